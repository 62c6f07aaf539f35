package store

import "testing"

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://srok:s3cret@db:5432/srok":                "postgres://srok:xxxxx@db:5432/srok",
		"postgres://srok@db/srok?sslmode=disable":            "postgres://srok@db/srok?sslmode=disable",
		"postgres://db/srok?password=s3cret&sslmode=require": "postgres://db/srok?password=xxxxx&sslmode=require",
		"sqlite:/var/lib/srok/srok.db":                       "sqlite:/var/lib/srok/srok.db",
		"postgres://a b@%zz":                                 "(unparsable URL)",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
