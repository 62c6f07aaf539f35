package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// PasswordParams is the cost of an argon2id password hash (RFC 9106).
type PasswordParams struct {
	// Memory is in KiB; at least 8 × Threads.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
}

// DefaultPasswordParams is OWASP's first argon2id setting (19 MiB, two
// passes, one thread): about 85 ms on a server core, slow enough that a
// stolen database does not give up its passwords, fast enough for a
// sign-in.
var DefaultPasswordParams = PasswordParams{Memory: 19 * 1024, Time: 2, Threads: 1}

// The length of a salt and of a derived key, in bytes.
const (
	saltLen = 16
	keyLen  = 32
)

// Password length limits, in characters. Twelve characters is the
// shortest a person-chosen password should be; the upper bound only
// protects the server.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// checkPasswordRules reports what is wrong with a new password, or "".
func checkPasswordRules(password string) string {
	switch n := len([]rune(password)); {
	case !validText(password):
		return "must be valid UTF-8 text"
	case n < MinPasswordLen:
		return fmt.Sprintf("is too short: at least %d characters", MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Sprintf("is too long: at most %d characters", MaxPasswordLen)
	}
	return ""
}

// hashPassword returns the argon2id hash of password with a fresh random
// salt, in PHC string form: $argon2id$v=19$m=19456,t=2,p=1$salt$key
// (unpadded standard base64).
func hashPassword(password string, p PasswordParams) string {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt) // never fails (crypto/rand, Go 1.24)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// phc is a parsed argon2id hash.
type phc struct {
	params    PasswordParams
	salt, key []byte
}

// Bounds on the parameters read from a stored hash, so that a corrupted
// row cannot make one verification take the server's memory or minutes.
const (
	maxMemory  = 1 << 21 // KiB: 2 GiB
	maxTime    = 64
	maxKeySalt = 256
)

var errBadHash = errors.New("account: not an argon2id hash in PHC form")

// parsePHC reads a hash made by hashPassword, with any parameters within
// bounds.
func parsePHC(s string) (phc, error) {
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, errBadHash
	}
	var h phc
	seen := 0
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return phc{}, errBadHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || (len(v) > 1 && v[0] == '0') {
			return phc{}, errBadHash
		}
		switch k {
		case "m":
			h.params.Memory, seen = uint32(n), seen|1
		case "t":
			h.params.Time, seen = uint32(n), seen|2
		case "p":
			if n > 255 {
				return phc{}, errBadHash
			}
			h.params.Threads, seen = uint8(n), seen|4
		default:
			return phc{}, errBadHash
		}
	}
	p := h.params
	if seen != 7 || len(strings.Split(parts[3], ",")) != 3 || p.Threads == 0 || p.Time == 0 || p.Time > maxTime ||
		p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory {
		return phc{}, errBadHash
	}
	var ok bool
	if h.salt, ok = decodeB64(parts[4]); !ok || len(h.salt) < 8 || len(h.salt) > maxKeySalt {
		return phc{}, errBadHash
	}
	if h.key, ok = decodeB64(parts[5]); !ok || len(h.key) < 16 || len(h.key) > maxKeySalt {
		return phc{}, errBadHash
	}
	return h, nil
}

// decodeB64 decodes unpadded standard base64, refusing the line breaks
// the decoder would skip.
func decodeB64(s string) ([]byte, bool) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, false
	}
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	return b, err == nil
}

// verifyPassword reports whether password matches the stored hash, with
// the parameters the hash names, comparing in constant time. A hash it
// cannot read matches nothing.
func verifyPassword(password, stored string) (ok bool, params PasswordParams) {
	h, err := parsePHC(stored)
	if err != nil {
		return false, PasswordParams{}
	}
	key := argon2.IDKey([]byte(password), h.salt, h.params.Time, h.params.Memory, h.params.Threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, h.params
}

// dummyHash is a hash of no one's password, with the service's parameters:
// CheckPassword verifies against it when the email is unknown, so that an
// unknown email takes as long as a wrong password.
type dummyHash struct {
	once sync.Once
	hash string
}

func (d *dummyHash) get(p PasswordParams) string {
	d.once.Do(func() { d.hash = hashPassword(GeneratePassword(), p) })
	return d.hash
}

// withHashSlot runs fn once fewer than the maximum of hashes are being
// computed, or returns the context's error.
func (s *Service) withHashSlot(ctx context.Context, fn func()) error {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.hashing }()
	fn()
	return nil
}

// passwordAlphabet has no characters that are easily confused when read
// aloud or copied from paper: no 0, O, o, 1, I, l, i or L.
const passwordAlphabet = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ"

// GeneratePassword returns a random password of 20 characters from an
// alphabet without look-alikes (about 115 bits), in four groups of five
// joined by hyphens: abcde-fghjk-mnpqr-stuvw.
func GeneratePassword() string {
	const n, group = 20, 5
	// Rejection sampling keeps every character equally likely: only bytes
	// below the largest multiple of the alphabet's size are used.
	limit := byte(256 - 256%len(passwordAlphabet))
	var b strings.Builder
	buf := make([]byte, 64)
	for count := 0; count < n; {
		_, _ = rand.Read(buf)
		for _, x := range buf {
			if x >= limit || count == n {
				continue
			}
			if count > 0 && count%group == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(passwordAlphabet[int(x)%len(passwordAlphabet)])
			count++
		}
	}
	return b.String()
}
