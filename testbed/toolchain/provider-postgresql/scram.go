package main

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// scramMatches reports whether a pg_shadow SCRAM-SHA-256 verifier
// ("SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>") was made from password.
// ok is false when that cannot be decided here: a malformed verifier, or a password that is
// not plain printable ASCII (the server SASLprep-normalises those first).
func scramMatches(verifier, password string) (match, ok bool) {
	for _, r := range password {
		if r < 0x20 || r > 0x7e {
			return false, false
		}
	}
	rest, found := strings.CutPrefix(verifier, "SCRAM-SHA-256$")
	if !found {
		return false, false
	}
	params, keys, found := strings.Cut(rest, "$")
	if !found {
		return false, false
	}
	iterStr, saltB64, found := strings.Cut(params, ":")
	if !found {
		return false, false
	}
	storedB64, _, found := strings.Cut(keys, ":")
	if !found {
		return false, false
	}
	iter, err := strconv.Atoi(iterStr)
	if err != nil || iter <= 0 {
		return false, false
	}
	salt, err := base64.StdEncoding.DecodeString(saltB64)
	if err != nil {
		return false, false
	}
	stored, err := base64.StdEncoding.DecodeString(storedB64)
	if err != nil {
		return false, false
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iter, sha256.Size)
	if err != nil {
		return false, false
	}
	mac := hmac.New(sha256.New, salted)
	mac.Write([]byte("Client Key"))
	clientKey := mac.Sum(nil)
	sum := sha256.Sum256(clientKey)
	return hmac.Equal(sum[:], stored), true
}
