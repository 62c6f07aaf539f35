package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/srok"
)

// cheap are argon2id parameters that cost almost nothing, for tests.
var cheap = PasswordParams{Memory: 64, Time: 1, Threads: 1}

var phcForm = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPassword(t *testing.T) {
	h := hashPassword("correct horse battery", DefaultPasswordParams)
	if !phcForm.MatchString(h) {
		t.Fatalf("hash %q is not $argon2id$v=19$m=19456,t=2,p=1$<16-byte salt>$<32-byte key>", h)
	}
	if ok, p := verifyPassword("correct horse battery", h); !ok || p != DefaultPasswordParams {
		t.Fatalf("the right password: %v %+v", ok, p)
	}
	for _, wrong := range []string{"correct horse batterY", "", "correct horse battery "} {
		if ok, _ := verifyPassword(wrong, h); ok {
			t.Errorf("%q matched", wrong)
		}
	}
	if h2 := hashPassword("correct horse battery", DefaultPasswordParams); h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	// The parameters are read from the stored hash, not the service's.
	c := hashPassword("correct horse battery", cheap)
	if ok, p := verifyPassword("correct horse battery", c); !ok || p != cheap {
		t.Fatalf("cheap hash: %v %+v", ok, p)
	}
}

func TestParsePHC(t *testing.T) {
	good := hashPassword("x", cheap)
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	bad := []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1,x=2$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4,t=1,p=1$" + salt + "$" + key,         // below 8 KiB per thread
		"$argon2id$v=19$m=99999999,t=1,p=1$" + salt + "$" + key,  // 95 GiB
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,        // no pass
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,        // no thread
		"$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key,      // threads overflow uint8
		"$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key,       // leading zero
		"$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key,       // negative
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "=$" + key,       // padded
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",  // extra part
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:10],   // short key
		"$argon2id$v=19$m=64,t=1,p=1$" + salt[:4] + "$" + key,    // short salt
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "!" + "$" + key,  // not base64
		"x$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key,       // junk before
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "\n", // junk after
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "AA", // not a whole number of bytes
	}
	if _, err := parsePHC(good); err != nil {
		t.Fatalf("a hash of ours: %v", err)
	}
	for _, h := range bad {
		if _, err := parsePHC(h); err == nil {
			t.Errorf("parsed %q", h)
		}
		if ok, _ := verifyPassword("x", h); ok {
			t.Errorf("verified against %q", h)
		}
	}
}

func FuzzParsePHC(f *testing.F) {
	f.Add(hashPassword("x", cheap))
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parsePHC(s)
		if err != nil {
			return
		}
		p := h.params
		if p.Memory > maxMemory || p.Time > maxTime || p.Time == 0 || p.Threads == 0 || p.Memory < 8*uint32(p.Threads) ||
			len(h.salt) < 8 || len(h.key) < 16 || len(h.salt) > maxKeySalt || len(h.key) > maxKeySalt {
			t.Fatalf("accepted %q with %+v", s, h)
		}
	})
}

func TestGeneratePassword(t *testing.T) {
	form := regexp.MustCompile(`^[` + passwordAlphabet + `]{5}(-[` + passwordAlphabet + `]{5}){3}$`)
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 2000 {
		p := GeneratePassword()
		if !form.MatchString(p) {
			t.Fatalf("%q is not four groups of five unambiguous characters", p)
		}
		if checkPasswordRules(p) != "" {
			t.Fatalf("%q breaks the rules: %s", p, checkPasswordRules(p))
		}
		if seen[p] {
			t.Fatalf("%q twice", p)
		}
		seen[p] = true
		for _, r := range strings.ReplaceAll(p, "-", "") {
			counts[r]++
		}
	}
	// 40,000 characters over 54: about 740 each. Every character shows up,
	// none far off its share (a modulo bias would give some 2×).
	if len(counts) != len(passwordAlphabet) {
		t.Errorf("%d distinct characters, want %d", len(counts), len(passwordAlphabet))
	}
	for r, n := range counts {
		if n < 500 || n > 1000 {
			t.Errorf("%q appears %d times of 40000", r, n)
		}
	}
	for _, c := range "0Oo1IliL" {
		if strings.ContainsRune(passwordAlphabet, c) {
			t.Errorf("the alphabet has the look-alike %q", c)
		}
	}
}

func TestPasswordRules(t *testing.T) {
	tests := []struct {
		password string
		want     string
	}{
		{"", "too short"},
		{"elevenchars", "too short"},
		{"twelve chars", ""},
		{"пароль-длинный", ""}, // 14 characters, 27 bytes
		{"пароль12345", "too short"},
		{strings.Repeat("я", MaxPasswordLen), ""},
		{strings.Repeat("a", MaxPasswordLen+1), "too long"},
		{"valid start \xff\xfe end", "UTF-8"},
		{"with a tab\there", "UTF-8"}, // control characters are refused with the same words
	}
	for _, tt := range tests {
		got := checkPasswordRules(tt.password)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%.20q: %q, want %q", tt.password, got, tt.want)
		}
	}
}

func TestValidateUser(t *testing.T) {
	ok := UserInput{Email: " Anna@Example.ru ", Name: " Анна Смирнова ", Role: srok.RoleOfficer, Password: "long enough password"}
	got, err := validateUser(ok)
	if err != nil || got.Email != "Anna@Example.ru" || got.Name != "Анна Смирнова" {
		t.Fatalf("%+v %v", got, err)
	}
	tests := []struct {
		name   string
		edit   func(*UserInput)
		fields []string
	}{
		{"no email", func(u *UserInput) { u.Email = "" }, []string{"email"}},
		{"bad email", func(u *UserInput) { u.Email = "anna at example.ru" }, []string{"email"}},
		{"display name", func(u *UserInput) { u.Email = "Anna <anna@example.ru>" }, []string{"email"}},
		{"long email", func(u *UserInput) { u.Email = strings.Repeat("a", 250) + "@example.ru" }, []string{"email"}},
		{"no name", func(u *UserInput) { u.Name = "  " }, []string{"name"}},
		{"control in name", func(u *UserInput) { u.Name = "Anna\x00" }, []string{"name"}},
		{"long name", func(u *UserInput) { u.Name = strings.Repeat("я", maxName+1) }, []string{"name"}},
		{"no role", func(u *UserInput) { u.Role = "" }, []string{"role"}},
		{"bad role", func(u *UserInput) { u.Role = "root" }, []string{"role"}},
		{"short password", func(u *UserInput) { u.Password = "short" }, []string{"password"}},
		{"everything", func(u *UserInput) { *u = UserInput{} }, []string{"email", "name", "role", "password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			_, err := validateUser(in)
			var se *srok.Error
			if !errors.As(err, &se) || se.Code != srok.EINVALID {
				t.Fatalf("error %v, want EINVALID", err)
			}
			var fields []string
			for _, f := range se.Fields {
				fields = append(fields, f.Field)
			}
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("fields %v, want %v (%v)", fields, tt.fields, err)
			}
		})
	}
}

func TestValidateToken(t *testing.T) {
	tests := []struct {
		in    TokenInput
		field string
	}{
		{TokenInput{Name: "web form"}, ""},
		{TokenInput{Name: "web form", Scope: srok.ScopeIntake, ExpiresIn: 90 * 24 * time.Hour}, ""},
		{TokenInput{Name: ""}, "name"},
		{TokenInput{Name: strings.Repeat("x", maxTokenName+1)}, "name"},
		{TokenInput{Name: "x", Scope: "admin"}, "scope"},
		{TokenInput{Name: "x", ExpiresIn: -time.Hour}, "expires"},
		{TokenInput{Name: "x", ExpiresIn: time.Second}, "expires"},
		{TokenInput{Name: "x", ExpiresIn: MaxTokenLife + time.Hour}, "expires"},
	}
	for _, tt := range tests {
		_, f := validateToken(tt.in)
		switch {
		case tt.field == "" && len(f) > 0:
			t.Errorf("%+v: %v", tt.in, f)
		case tt.field != "" && (len(f) != 1 || f[0].Field != tt.field):
			t.Errorf("%+v: %v, want a problem with %s", tt.in, f, tt.field)
		}
	}
}

func TestSecretHash(t *testing.T) {
	s := newSecret(TokenPrefix)
	if !regexp.MustCompile(`^srok_[A-Za-z0-9_-]{43}$`).MatchString(s) {
		t.Fatalf("token %q is not srok_ and 43 base64url characters", s)
	}
	h, ok := secretHash(TokenPrefix, s)
	sum := sha256.Sum256([]byte(s))
	if !ok || h != hex.EncodeToString(sum[:]) {
		t.Fatalf("hash %q %v", h, ok)
	}
	for _, bad := range []string{"", "srok_", s[:len(s)-1], s + "A", "SROK_" + s[5:], "Bearer " + s, s[:10] + "!" + s[11:],
		newSecret(SetupTokenPrefix), s + "="} {
		if _, ok := secretHash(TokenPrefix, bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
	if _, ok := secretHash(SetupTokenPrefix, newSecret(SetupTokenPrefix)); !ok {
		t.Error("a setup token is refused")
	}
}

func FuzzSecretHash(f *testing.F) {
	f.Add(newSecret(TokenPrefix))
	f.Add("srok_")
	f.Fuzz(func(t *testing.T, s string) {
		h, ok := secretHash(TokenPrefix, s)
		if !ok {
			return
		}
		if !strings.HasPrefix(s, TokenPrefix) || len(s) != len(TokenPrefix)+43 || len(h) != 64 {
			t.Fatalf("accepted %q", s)
		}
	})
}

// userStore is a Store with one user, for the tests that need no database.
type userStore struct {
	Store // nil: any other method panics
	user  User
	hash  string
}

func (s *userStore) UserByEmail(_ context.Context, emailLower string) (User, string, error) {
	if emailLower != strings.ToLower(s.user.Email) {
		return User{}, "", srok.Errorf(srok.ENOTFOUND, "no user")
	}
	return s.user, s.hash, nil
}

// An unknown email costs the same hashing as a wrong password, so the time
// of the answer does not tell whether the email is a user's.
func TestCheckPasswordTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("measures time")
	}
	p := PasswordParams{Memory: 8 * 1024, Time: 3, Threads: 1}
	st := &userStore{user: User{ID: "u", Email: "anna@example.ru", Active: true}, hash: hashPassword("the right password", p)}
	svc := NewService(st, time.Now, WithPasswordParams(p))
	ctx := context.Background()
	fastest := func(email string) time.Duration {
		best := time.Hour
		for range 7 {
			start := time.Now()
			_, err := svc.CheckPassword(ctx, email, "a wrong password")
			if d := time.Since(start); d < best {
				best = d
			}
			if srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
				t.Fatalf("%s: %v", email, err)
			}
		}
		return best
	}
	known, unknown := fastest("anna@example.ru"), fastest("nobody@example.ru")
	if unknown < known/2 {
		t.Errorf("an unknown email is answered in %v, a wrong password in %v: the time tells", unknown, known)
	}
}
