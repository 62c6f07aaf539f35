package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

func sampleDetails() organisation.Details {
	return organisation.Details{Name: "Общество с ограниченной ответственностью «Ромашка»", ShortName: "ООО «Ромашка»",
		INN: "7704217370", OGRN: "1027700132195", KPP: "770401001", Address: "119021, г. Москва, ул. Льва Толстого, д. 16",
		Email: "privacy@romashka.example", Phone: "+7 495 123-45-67",
		Responsible:  organisation.Person{Name: "П. П. Петров", Position: "Ответственный", Contact: "+7 495 123-45-68"},
		Signatory:    organisation.Person{Name: "И. И. Иванов", Position: "Генеральный директор"},
		NumberFormat: "ПДн-{year}/{seq}", AccessPersons: "нет", Duties: "политика опубликована",
		Records: []organisation.Record{{Purpose: "Исполнение договора", LegalBasis: "п. 5 ч. 1 ст. 6"},
			{Purpose: "Рассылка", LegalBasis: "согласие", CrossBorder: "не осуществляется"}}}
}

// The details and records are kept as saved, in order, on both databases
// and as the serving role; a save replaces the records whole, each change
// audited in its transaction; template versions count up per kind, and a
// going back to the built-in one is a version without a file.
func TestOrganisationAndTemplates(t *testing.T) {
	storetest.EachServing(t, func(t *testing.T, st *store.Store) {
		ctx := srok.WithActor(context.Background(), srok.Actor{ID: "u1", Name: "Админ", UserID: "u1", Role: srok.RoleAdmin})
		clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
		svc := organisation.NewService(st, audit.NewService(st, clock.Now), clock.Now)

		empty, err := svc.Get(ctx)
		if err != nil || empty.Version != 0 || empty.NumberFormat != organisation.DefaultNumberFormat || len(empty.Records) != 0 {
			t.Fatalf("before the first save: %+v %v", empty, err)
		}
		got, err := svc.Put(ctx, sampleDetails())
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 1 || got.INN != "7704217370" || got.Signatory.Name != "И. И. Иванов" || len(got.Records) != 2 ||
			got.Records[0].Purpose != "Исполнение договора" || got.Records[1].CrossBorder != "не осуществляется" ||
			got.Records[0].ID == "" || !got.UpdatedAt.Equal(clock.Now()) || got.UpdatedBy != "u1" {
			t.Fatalf("saved: %+v", got)
		}
		// Drop the first record, keep the second (its id stays), add one.
		keep := got.Records[1]
		d := got
		d.Records = []organisation.Record{keep, {Purpose: "Кадровый учёт"}}
		d.Phone = "+7 495 000-00-00"
		got2, err := svc.Put(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if got2.Version != 2 || len(got2.Records) != 2 || got2.Records[0].ID != keep.ID || got2.Records[1].Purpose != "Кадровый учёт" {
			t.Fatalf("saved again: %+v", got2)
		}
		// Two saves made on the same version: the second is refused, as
		// one made on an older version is, and writes nothing.
		d.Version = got2.Version
		if _, err := svc.Put(ctx, d); err != nil {
			t.Fatal(err)
		}
		d.Phone = "+7 495 111-11-11"
		if _, err := svc.Put(ctx, d); srok.ErrorCode(err) != srok.ECONFLICT {
			t.Fatalf("a save on a stale version: %v", err)
		}
		raced := got2
		raced.Version = got2.Version + 1 // as computed by a save that read got2 when another did too
		if err := st.PutOrganisation(ctx, raced, nil); srok.ErrorCode(err) != srok.ECONFLICT {
			t.Fatalf("the store wrote over a save made meanwhile: %v", err)
		}
		first := sampleDetails()
		first.Version = 1
		if err := st.PutOrganisation(ctx, first, nil); srok.ErrorCode(err) != srok.ECONFLICT {
			t.Fatalf("a second first save: %v", err)
		}
		if cur, _ := svc.Get(ctx); cur.Version != 3 || cur.Phone != "+7 495 000-00-00" {
			t.Fatalf("a refused save changed the details: %+v", cur)
		}
		page, err := audit.NewService(st, clock.Now).List(ctx, audit.Filter{Action: audit.ActionOrganisationEdit}, "")
		if err != nil || len(page.Items) != 3 {
			t.Fatalf("audit: %+v %v", page, err)
		}
		if f := page.Items[1].Fields; len(f) != 2 || f[0] != "phone" || f[1] != "records" {
			t.Errorf("the second change's fields: %v", f)
		}

		// Templates: built-in until an upload; versions count up.
		if _, _, err := st.LetterTemplate(ctx, letters.KindAnswer); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Fatalf("no template stored yet: %v", err)
		}
		v, err := svc.Upload(ctx, letters.KindAnswer, letters.Builtin(letters.KindAnswer), false)
		if err != nil || v.Version != 1 || v.Builtin {
			t.Fatalf("upload: %+v %v", v, err)
		}
		v, err = svc.Upload(ctx, letters.KindAnswer, nil, true)
		if err != nil || v.Version != 2 || !v.Builtin {
			t.Fatalf("back to built-in: %+v %v", v, err)
		}
		v, err = svc.Upload(ctx, letters.KindRefusal, letters.Builtin(letters.KindRefusal), false)
		if err != nil || v.Version != 1 {
			t.Fatalf("refusal: %+v %v", v, err)
		}
		list, err := svc.Templates(ctx)
		if err != nil || len(list) != 4 {
			t.Fatalf("list: %+v %v", list, err)
		}
		if a := list[0]; a.Kind != letters.KindAnswer || a.Version != 2 || !a.Builtin || a.UploaderName != "Админ" {
			t.Errorf("answer: %+v", a)
		}
		if e := list[1]; e.Kind != letters.KindExtension || e.Version != 0 || !e.Builtin {
			t.Errorf("extension: %+v", e)
		}
		if r := list[2]; r.Kind != letters.KindRefusal || r.Version != 1 || r.Builtin || !r.UploadedAt.Equal(clock.Now()) {
			t.Errorf("refusal: %+v", r)
		}
		cur, b, err := svc.Template(ctx, letters.KindRefusal, false)
		if err != nil || cur.Version != 1 || !bytes.Equal(b, letters.Builtin(letters.KindRefusal)) {
			t.Fatalf("current refusal: %+v %v", cur, err)
		}
		// A broken file stores nothing.
		if _, err := svc.Upload(ctx, letters.KindRefusal, []byte("not a docx"), false); srok.ErrorCode(err) != srok.EINVALID {
			t.Fatalf("a broken file: %v", err)
		}
		if cur, _, _ := st.LetterTemplate(ctx, letters.KindRefusal); cur.Version != 1 {
			t.Errorf("a refused upload stored version %d", cur.Version)
		}
	})
}
