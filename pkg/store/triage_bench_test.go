package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// BenchmarkInboxBadge is the count shown in the navigation of every page of
// whoever may triage, with 5,000 emails stored of which 1 in 50 pending:
// for an officer (every email) and for an operator (the ones they sent in).
func BenchmarkInboxBadge(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			st := storetest.MustOpen(b, d)
			ctx := context.Background()
			now := time.Date(2026, 11, 25, 9, 0, 0, 0, moscow)
			op := srok.Actor{ID: "01900000-0000-7000-8000-00000000000a", UserID: "01900000-0000-7000-8000-00000000000a", Role: srok.RoleOperator}
			for i := range 5000 {
				by := officer.ID
				if i%2 == 0 {
					by = op.ID
				}
				raw := []byte(fmt.Sprintf("From: a%d@example.ru\r\nSubject: %d\r\nMessage-ID: <%d@x>\r\n\r\nТекст %d\r\n", i, i, i, i))
				e := intake.Parse(raw)
				e.ID, e.StoredAt, e.StoredBy = fmt.Sprintf("01900000-0000-7000-8000-%012d", i), now.Add(time.Duration(i)*time.Second), by
				if _, _, err := st.PutEmail(ctx, e, raw, intake.BodyHash(raw), nil); err != nil {
					b.Fatal(err)
				}
				if i%50 != 0 {
					at := now
					if err := st.DecideEmail(ctx, e.ID, register.Triage{State: register.TriageNotRequest, Reason: register.NotRequestSpam, By: "u", At: &at}, nil, nil); err != nil {
						b.Fatal(err)
					}
				}
			}
			reg := register.NewService(st, cal, moscow, func() time.Time { return now })
			for _, a := range []srok.Actor{officer, op} {
				actx := srok.WithActor(ctx, a)
				b.Run(string(a.Role), func(b *testing.B) {
					for b.Loop() {
						n, err := reg.InboxBadge(actx)
						if err != nil || n == 0 {
							b.Fatalf("%d %v", n, err)
						}
					}
				})
			}
		})
	}
}
