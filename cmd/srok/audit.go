package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/srok/srok/pkg/audit"
)

const auditUsage = `Usage:
  srok audit verify

verify walks the audit trail's hash chain from its first entry and checks
every entry against it. Intact, it prints the number of entries and exits 0;
otherwise it names the first entry that was changed, removed or added behind
Srok's back, and exits 1.
`

func runAudit(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(e.stdout, auditUsage)
			return nil
		}
		return usagef("give a subcommand: verify\n%s", auditUsage)
	}
	fs := newFlagSet("audit verify", "")
	if err := parseFlags(fs, args[1:], e); err != nil {
		return err
	}
	_, st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		return fmt.Errorf("%s: %w", st.Where(), err)
	}
	// The entries written in the last second join the chain first.
	if _, err := st.SealAudit(ctx); err != nil {
		return fmt.Errorf("%s: %w", st.Where(), err)
	}
	v, err := audit.Verify(ctx, st)
	if err != nil {
		return fmt.Errorf("%s: %w", st.Where(), err)
	}
	if v.Intact() {
		fmt.Fprintf(e.stdout, "журнал действий цел: %d %s\n", v.Entries, entriesWord(v.Entries))
		return nil
	}
	return errors.New(brokenChain(v))
}

// brokenChain says in Russian what Verify found, naming the entry.
func brokenChain(v audit.Verification) string {
	after := ""
	if v.PrevID != 0 {
		after = fmt.Sprintf(", после записи %d", v.PrevID)
	}
	switch v.Problem {
	case audit.ProblemChanged:
		return fmt.Sprintf("журнал действий нарушен: запись %d (звено %d цепочки) изменена%s; проверено целых записей до неё: %d",
			v.ID, v.Seq, after, v.Entries)
	case audit.ProblemMissing:
		if v.ID != 0 {
			return fmt.Sprintf("журнал действий нарушен: звено %d цепочки удалено: нет записи между %d и %d", v.Seq, v.PrevID, v.ID)
		}
		return fmt.Sprintf("журнал действий нарушен: звено %d цепочки удалено: нет последних записей%s", v.Seq, after)
	case audit.ProblemUnchained:
		return fmt.Sprintf("журнал действий нарушен: запись %d добавлена в обход цепочки", v.ID)
	default:
		return fmt.Sprintf("журнал действий нарушен: голова цепочки (звено %d) не совпадает с последней записью%s", v.Seq, after)
	}
}

// entriesWord is «запись» in the form a count takes: 1 запись, 2 записи, 5
// записей, 21 запись.
func entriesWord(n int64) string {
	switch {
	case n%10 == 1 && n%100 != 11:
		return "запись"
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return "записи"
	}
	return "записей"
}
