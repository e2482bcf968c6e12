package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/feedwatch/feedwatch/internal/store"
)

// KeyPrefix starts every API key, so that a key pasted somewhere is easy to
// recognise (and to find with a secret scanner).
const KeyPrefix = "fwk_"

var keyName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// hashKey is what is stored: a key is 256 random bits, so a plain SHA-256
// is enough (no password stretching needed).
func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// CreateAPIKey makes a key called name and returns it with its record. The
// key is returned this once; only its hash is kept.
func (s *Service) CreateAPIKey(ctx context.Context, name string, readOnly bool) (string, store.APIKey, error) {
	name = strings.TrimSpace(name)
	if !keyName.MatchString(name) {
		return "", store.APIKey{}, invalid("name", "key name %q: want 1 to 64 letters, digits, dots, dashes or underscores", name)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	key := KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	k, err := s.st.AddAPIKey(ctx, name, hashKey(key), readOnly)
	if err != nil {
		return "", k, wrapStore(err, "api key "+name)
	}
	scope := "read-write"
	if readOnly {
		scope = "read-only"
	}
	s.record(ctx, "apikey.create", name, scope)
	return key, k, nil
}

// APIKeys lists the keys, revoked ones too.
func (s *Service) APIKeys(ctx context.Context) ([]store.APIKey, error) { return s.st.APIKeys(ctx) }

// RevokeAPIKey revokes the key called name.
func (s *Service) RevokeAPIKey(ctx context.Context, name string) error {
	if err := s.st.RevokeAPIKey(ctx, name); err != nil {
		return wrapStore(err, "api key "+name)
	}
	s.record(ctx, "apikey.revoke", name, "")
	return nil
}

// Authenticate returns the valid key that key is, or NotFound.
func (s *Service) Authenticate(ctx context.Context, key string) (store.APIKey, error) {
	if !strings.HasPrefix(key, KeyPrefix) {
		return store.APIKey{}, &Error{Kind: NotFound, Msg: "not an API key"}
	}
	k, err := s.st.APIKeyByHash(ctx, hashKey(key))
	return k, wrapStore(err, "api key")
}
