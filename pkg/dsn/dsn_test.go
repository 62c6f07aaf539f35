package dsn

import "testing"

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// URLs.
		{"postgres://srok:s3cret@db:5432/srok", "postgres://srok:xxxxx@db:5432/srok"},
		{"postgres://srok@db/srok?sslmode=disable", "postgres://srok@db/srok?sslmode=disable"},
		{"postgres://db/srok?password=s3cret&sslmode=require", "postgres://db/srok?password=xxxxx&sslmode=require"},
		{"postgresql://db/srok?sslpassword=s3cret&PASSWORD=s3cret", "postgresql://db/srok?PASSWORD=xxxxx&sslpassword=xxxxx"},
		{"postgres://srok:s3%2Fcret@db/srok", "postgres://srok:xxxxx@db/srok"},
		{"mysql://srok:s3cret@db/srok", "mysql://srok:xxxxx@db/srok"},
		{"sqlite:/var/lib/srok/srok.db", "sqlite:/var/lib/srok/srok.db"},
		{"sqlite:///var/lib/srok/a@b.db", "sqlite:///var/lib/srok/a@b.db"},
		// Unparsable URLs are not echoed: they may hold a password.
		{"postgres://a b@%zz", "(unparsable URL)"},
		{"postgres://srok:s3 cret@db/srok", "(unparsable URL)"},
		{"postgres://srok:s3cr/et@db/srok", "(unparsable URL)"},
		{"postgres://srok:12/s3cret@db/srok", "(unparsable URL)"}, // parses, with "12" as the port
		{"postgres://srok:12?s3cret@db/srok", "(unparsable URL)"},
		{"postgres://srok:12#s3cret@db/srok", "(unparsable URL)"},
		{"srok:s3cret@db/srok", "(unparsable URL)"}, // no postgres://
		{"s3cret", "(not a URL)"},
		{"", "(not a URL)"},
		// Keyword/value connection strings.
		{"host=db user=srok password=s3cret dbname=srok", "host=db user=srok password=xxxxx dbname=srok"},
		{"host=db password='a b' dbname=srok", "host=db password=xxxxx dbname=srok"},
		{`host=db password='it\'s s3cret' dbname=srok`, "host=db password=xxxxx dbname=srok"},
		{`host=db password=s3\ cret dbname=srok`, "host=db password=xxxxx dbname=srok"},
		{"password = s3cret host=db", "password = xxxxx host=db"},
		{"host=db PASSWORD=s3cret", "host=db PASSWORD=xxxxx"},
		{"host=db sslpassword=s3cret sslmode=verify-full", "host=db sslpassword=xxxxx sslmode=verify-full"},
		{"host=db password='s3cret dbname=srok", "host=db password=xxxxx"}, // unterminated quote
		{"host=db password='s3\ncret'", "host=db password=xxxxx"},
		{"host=db user=srok dbname=srok", "host=db user=srok dbname=srok"},
		{"host=db password=", "host=db password=xxxxx"},
	} {
		got := Redact(c.in)
		if got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
