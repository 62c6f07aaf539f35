package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDatabaseAccessRule holds the code to the rule of the package doc
// (Reaching the database): database/sql's pool only in the functions named
// there, the read pool only for reads, pgx's connection and NOTIFY only in
// listen.go.
func TestDatabaseAccessRule(t *testing.T) {
	// The functions that may use core.sql, the pool GORM writes through.
	sqlAllowed := []string{"Open", "Close", "provider", "Ping", "SQL", "createInOneStatement", "queuePostgres"}
	// What may be asked of core.reads: reads, and the pool's own settings.
	readsAllowed := []string{"QueryContext", "QueryRowContext", "BeginTx", "SetMaxOpenConns", "Close"}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			checked++
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					inner, ok := n.X.(*ast.SelectorExpr)
					if !ok {
						return true
					}
					switch inner.Sel.Name {
					case "sql":
						if !slices.Contains(sqlAllowed, fn.Name.Name) {
							t.Errorf("%s: %s uses database/sql's pool (.sql.%s): go through GORM, or the read pool for a read (package doc, rules 2 to 5)",
								fset.Position(n.Pos()), fn.Name.Name, n.Sel.Name)
						}
					case "reads":
						if !slices.Contains(readsAllowed, n.Sel.Name) {
							t.Errorf("%s: %s asks the read pool for %s: it serves reads only (package doc, rule 3)",
								fset.Position(n.Pos()), fn.Name.Name, n.Sel.Name)
						}
					}
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
						if id, ok := sel.X.(*ast.Ident); ok && id.Name == "pgx" && sel.Sel.Name != "Identifier" && name != "listen.go" {
							t.Errorf("%s: pgx.%s outside listen.go (package doc, rule 6)", fset.Position(n.Pos()), sel.Sel.Name)
						}
					}
				case *ast.BasicLit:
					if strings.Contains(n.Value, "pg_notify") && name != "listen.go" {
						t.Errorf("%s: pg_notify outside listen.go: call core.notify (package doc, rule 6)", fset.Position(n.Pos()))
					}
				}
				return true
			})
		}
	}
	if checked < 100 {
		t.Fatalf("checked %d functions: the package's files were not found", checked)
	}
}
