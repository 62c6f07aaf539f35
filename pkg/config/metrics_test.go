package config

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestMetricsConfig(t *testing.T) {
	const token = "a-metrics-token-0123456789"
	bad := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"SROK_METRICS_ADDR": "9090"}, `SROK_METRICS_ADDR="9090": give host:port`},
		{map[string]string{"SROK_METRICS_ADDR": "127.0.0.1:8080"}, `other than SROK_ADDR's`},
		{map[string]string{"SROK_METRICS_TOKEN": "short"}, `SROK_METRICS_TOKEN="xxxxx": give at least 16 characters`},
		{map[string]string{"SROK_METRICS_TOKEN": "a metrics token with spaces"}, `SROK_METRICS_TOKEN="xxxxx"`},
	}
	for _, b := range bad {
		_, err := Load(getenv(b.vars))
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v: %v, want %q", b.vars, err, b.want)
		}
		if tok := b.vars["SROK_METRICS_TOKEN"]; err != nil && tok != "" && strings.Contains(err.Error(), tok) {
			t.Errorf("the error shows the token: %v", err)
		}
	}
	c, err := Load(getenv(nil))
	if err != nil || c.Metrics() {
		t.Errorf("by default no metrics: %v %v", c.Metrics(), err)
	}
	c, err = Load(getenv(map[string]string{"SROK_METRICS_ADDR": "127.0.0.1:9090", "SROK_METRICS_TOKEN": token}))
	if err != nil || !c.Metrics() || c.MetricsAddr != "127.0.0.1:9090" || c.MetricsToken != token {
		t.Fatalf("Load = %+v, %v", c, err)
	}
	var buf bytes.Buffer
	if err := c.Print(&buf); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); strings.Contains(out, token) || !strings.Contains(out, "SROK_METRICS_TOKEN=xxxxx") ||
		!strings.Contains(out, "SROK_METRICS_ADDR=127.0.0.1:9090") {
		t.Errorf("Print:\n%s", out)
	}
}

func TestVariables(t *testing.T) {
	vars := Variables()
	for _, k := range []string{"SROK_ADDR", "DATABASE_URL", "SROK_PUBLIC_URL", "SROK_METRICS_ADDR", "SROK_METRICS_TOKEN"} {
		if !slices.Contains(vars, k) {
			t.Errorf("Variables() lacks %s: %v", k, vars)
		}
	}
	if slices.Contains(vars, "SROK_NO_SUCH") || len(vars) != len(fieldKeys()) {
		t.Errorf("Variables() = %v", vars)
	}
}
