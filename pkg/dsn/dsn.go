// Package dsn handles database connection strings: it masks their secrets
// for logs, errors and `srok config`. It imports nothing of Srok, so the
// configuration and the storage both use it.
package dsn

import (
	"net/url"
	"regexp"
	"strings"
)

// Redact returns a database URL (postgres://srok:s3cret@db/srok) or a
// keyword/value connection string (host=db user=srok password=s3cret) with
// its secrets replaced by "xxxxx": the password of the URL's user info and
// the password and sslpassword settings, quoted or not. Text it cannot parse
// is never echoed, since it may hold a password: for a URL that does not
// parse, or whose "@" is not where the user info ends (a password with an
// unencoded "/", "?" or "#", or no "//"), it returns "(unparsable URL)", and
// for text that is neither a URL nor keyword/value settings "(not a URL)".
func Redact(databaseURL string) string {
	if keywordValue.MatchString(databaseURL) {
		return secretSetting.ReplaceAllString(databaseURL, "${1}xxxxx")
	}
	u, err := url.Parse(databaseURL)
	if err != nil || (u.User == nil && (u.Host != "" || u.Opaque != "") && strings.Contains(databaseURL, "@")) {
		return "(unparsable URL)"
	}
	if u.Scheme == "" {
		return "(not a URL)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q, masked := u.Query(), false
	for k := range q {
		if isSecretSetting(k) {
			q[k] = []string{"xxxxx"}
			masked = true
		}
	}
	if masked {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

var (
	// keywordValue matches the start of a keyword/value connection string.
	keywordValue = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)
	// secretSetting matches a password or sslpassword setting of a
	// keyword/value connection string, as libpq reads it: spaces around
	// "=", a value quoted with '...' (with \' and \\ escapes), or unquoted
	// up to a space (with \ escapes). An unterminated quote masks the rest.
	secretSetting = regexp.MustCompile(`(?is)(\b(?:ssl)?password\s*=\s*)(?:'(?:[^'\\]|\\.)*'|'.*|(?:[^\s\\]|\\.)*)`)
)

// isSecretSetting reports whether a connection setting holds a secret.
func isSecretSetting(key string) bool {
	return strings.EqualFold(key, "password") || strings.EqualFold(key, "sslpassword")
}
