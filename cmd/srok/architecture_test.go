package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// importRule is a row of docs/ARCHITECTURE.md's import rules: the packages
// it covers must not import what it names.
type importRule struct {
	line          string
	packages, not []string
}

// The import rules docs/ARCHITECTURE.md states hold for every non-test Go
// file of the module. The rules are read from the document itself, so the
// map and the code cannot drift apart.
func TestArchitectureImportRules(t *testing.T) {
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "docs", "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	rules := parseImportRules(t, string(doc))
	if len(rules) < 5 {
		t.Fatalf("read %d import rules from docs/ARCHITECTURE.md: the table is gone or unreadable", len(rules))
	}
	imports := moduleImports(t, root)
	if len(imports["pkg/register"]) == 0 || len(imports["cmd/srok"]) == 0 {
		t.Fatalf("read the imports of %d packages, not pkg/register or cmd/srok: the walk is wrong", len(imports))
	}
	used := make([]bool, len(rules))
	for pkg, imps := range imports {
		for i, r := range rules {
			if !matchAny(r.packages, pkg) {
				continue
			}
			used[i] = true
			for imp, file := range imps {
				if matchAny(r.not, imp) {
					t.Errorf("%s imports %s, which the rule %q forbids", file, imp, r.line)
				}
			}
		}
	}
	for i, u := range used {
		if !u {
			t.Errorf("the rule %q covers no package: a stale row", rules[i].line)
		}
	}
}

// The rule matcher itself, on the cases the table relies on.
func TestImportRuleMatch(t *testing.T) {
	for _, c := range []struct {
		pats []string
		name string
		want bool
	}{
		{[]string{"deadlines/..."}, "deadlines", true},
		{[]string{"deadlines/..."}, "deadlines/calendar", true},
		{[]string{"deadlines/..."}, "deadlinesx", false},
		{[]string{"pkg/ru"}, "pkg/ru", true},
		{[]string{"pkg/ru"}, "pkg/register", false},
		{[]string{"...", "!pkg/store/..."}, "pkg/store/pgtest", false},
		{[]string{"...", "!pkg/store/..."}, "pkg/register", true},
		{[]string{"gorm.io/..."}, "gorm.io/driver/postgres", true},
		{[]string{"github.com/srok/srok/..."}, "github.com/srok/srok", true},
		{[]string{"net/http"}, "net/http/httptest", false},
	} {
		if got := matchAny(c.pats, c.name); got != c.want {
			t.Errorf("%v on %s: %v, want %v", c.pats, c.name, got, c.want)
		}
	}
}

var ruleRow = regexp.MustCompile("^\\| *(`[^|]*`) *\\| *(`[^|]*`) *\\|$")

// parseImportRules reads the table between the import-rules markers.
func parseImportRules(t *testing.T, doc string) []importRule {
	t.Helper()
	start := strings.Index(doc, "<!-- import-rules -->")
	end := strings.Index(doc, "<!-- /import-rules -->")
	if start < 0 || end < start {
		t.Fatal("docs/ARCHITECTURE.md has no import-rules markers")
	}
	var rules []importRule
	for _, line := range strings.Split(doc[start:end], "\n") {
		m := ruleRow.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		rules = append(rules, importRule{line: line, packages: ticked(m[1]), not: ticked(m[2])})
	}
	return rules
}

// ticked splits a cell of backticked words («`a/...` `b`») into its words.
func ticked(cell string) []string {
	var out []string
	for _, f := range strings.Split(cell, "`") {
		out = append(out, strings.Fields(f)...)
	}
	return out
}

// matchAny reports whether name matches one of pats and none of the "!"
// ones. "x/..." matches x and everything below it; "..." alone matches all.
func matchAny(pats []string, name string) bool {
	in := false
	for _, p := range pats {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		ok := false
		switch {
		case p == "...":
			ok = true
		case strings.HasSuffix(p, "/..."):
			base := strings.TrimSuffix(p, "/...")
			ok = name == base || strings.HasPrefix(name, base+"/")
		default:
			ok = name == p
		}
		if ok && neg {
			return false
		}
		in = in || ok
	}
	return in
}

// moduleImports reads, for every package of the module (by its folder
// relative to root), what its non-test files import and one file that
// does.
func moduleImports(t *testing.T, root string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		pkg := filepath.ToSlash(rel)
		if out[pkg] == nil {
			out[pkg] = map[string]string{}
		}
		for _, im := range f.Imports {
			imp, _ := strconv.Unquote(im.Path.Value)
			out[pkg][imp] = path.Join(pkg, filepath.Base(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
