package mailbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the length of the secret key: AES-256.
const KeySize = 32

// sealedPrefix marks the format of a sealed password, so that another one
// (a rotated key, another cipher) can be told apart later.
const sealedPrefix = "v1:"

// Sealer encrypts the passwords of the mailboxes connected from the page
// (AES-256-GCM, Go's standard library), with a key that lives outside the
// database (SROK_SECRET_KEY_FILE): a copy of the database alone does not
// give the mailboxes away. Each password is bound to its mailbox's id (the
// additional data), so that a sealed password copied onto another row does
// not open. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer with key, which must be KeySize bytes.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("the key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// ReadKeyFile reads a key file: 32 random bytes in base64 (made with
// `head -c 32 /dev/urandom | base64`), surrounding spaces and the final
// newline ignored. Its errors never hold the file's content.
func ReadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to read the key file: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, errors.New("the key file does not hold base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("the key file holds %d bytes, not %d", len(key), KeySize)
	}
	return key, nil
}

// LoadSealer reads the key file at path and returns its Sealer.
func LoadSealer(path string) (*Sealer, error) {
	key, err := ReadKeyFile(path)
	if err != nil {
		return nil, err
	}
	return NewSealer(key)
}

// Seal encrypts password for the mailbox id: "v1:" and the base64 of a
// random nonce followed by the ciphertext.
func (s *Sealer) Seal(id, password string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, []byte(password), []byte(id))
	return sealedPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// ErrSealed is returned by Open for a sealed password it cannot open: made
// with another key, for another mailbox, or damaged.
var ErrSealed = errors.New("the stored password cannot be decrypted with SROK_SECRET_KEY_FILE (another key, or damaged)")

// Open decrypts a password sealed for the mailbox id.
func (s *Sealer) Open(id, sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", ErrSealed
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", ErrSealed
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(id))
	if err != nil {
		return "", ErrSealed
	}
	return string(plain), nil
}
