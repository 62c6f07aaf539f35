package letters

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/letters/letterstest"
	"github.com/srok/srok/pkg/srok"
)

// splitRuns rewrites a built-in template the way Word leaves it after
// editing: every placeholder cut over three runs, with a spell-check mark
// and a bookmark between them.
func splitRuns(t *testing.T, docx []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatal(err)
	}
	var files []zipFile
	cuts := 0
	for _, f := range zr.File {
		rc, _ := f.Open()
		var b bytes.Buffer
		_, _ = b.ReadFrom(rc)
		rc.Close()
		data := b.Bytes()
		if f.Name == "word/document.xml" {
			s := token.ReplaceAllStringFunc(string(data), func(m string) string {
				if len(m) < 5 {
					return m
				}
				cuts++
				return m[:2] + `</w:t></w:r><w:proofErr w:type="spellStart"/><w:r><w:rPr><w:b/></w:rPr><w:t>` + m[2:4] +
					`</w:t></w:r><w:bookmarkStart w:id="0" w:name="x"/><w:bookmarkEnd w:id="0"/><w:proofErr w:type="spellEnd"/><w:r><w:t>` + m[4:]
			})
			data = []byte(s)
		}
		files = append(files, zipFile{f.Name, data})
	}
	if cuts < 10 {
		t.Fatalf("only %d placeholders split", cuts)
	}
	out, err := writeZip(files)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wants are values each letter must show, by kind.
func wants(k Kind, d Data) []string {
	w := []string{d.Operator.INN, d.Letter.Number, d.Addressee.Name, d.Request.Number, d.Request.Date, d.Signatory.Name, DefaultTitle(k, d.Request.Type)[:20]}
	switch k {
	case KindAnswer:
		if d.Request.Type == RequestAccess {
			w = append(w, "Обработка № 2", "Информирование о новых товарах", "romashka.example/privacy")
		} else {
			w = append(w, d.Actions[0].When)
		}
	case KindExtension:
		w = append(w, d.Extension.NewDueDate, "архива")
	case KindRefusal:
		w = append(w, "пункта 4 части 8 статьи 14")
	case KindDetailsRequest:
		w = append(w, "подпись субъекта персональных данных", d.Details.AnswerBy)
	}
	return w
}

func soffice(t *testing.T) string { t.Helper(); return letterstest.Soffice(t) }

func pdfText(t *testing.T, path string) string { t.Helper(); return letterstest.PDFText(t, path) }

func checkText(t *testing.T, what, text string, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
	if strings.Contains(text, "{") {
		t.Errorf("%s keeps a placeholder: %s", what, text[strings.Index(text, "{"):][:30])
	}
}

func TestLettersInLibreOffice(t *testing.T) {
	bin := soffice(t)
	dir := t.TempDir()
	var names []string
	wanted := map[string][]string{}
	for _, k := range Kinds {
		for _, edited := range []bool{false, true} {
			src := Builtin(k)
			if edited {
				src = splitRuns(t, src)
			}
			tpl, err := ParseTemplate(k, src)
			if err != nil {
				t.Fatalf("%s edited=%v: %v", k, edited, err)
			}
			for _, rt := range RequestTypes {
				d := sample(rt)
				name := string(k) + "-" + string(rt)
				if edited {
					name += "-edited"
				}
				docx, err := tpl.DOCX(d)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				pdf, err := tpl.PDF(d)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				must(t, os.WriteFile(filepath.Join(dir, name+".docx"), docx, 0o600))
				must(t, os.WriteFile(filepath.Join(dir, name+".ours.pdf"), pdf, 0o600))
				names = append(names, name)
				wanted[name] = wants(k, d)
			}
		}
	}
	// one soffice run converts them all: a process per file costs seconds each
	args := []string{"--headless", "-env:UserInstallation=file://" + filepath.Join(dir, "profile"), "--convert-to", "pdf", "--outdir", filepath.Join(dir, "lo")}
	for _, n := range names {
		args = append(args, filepath.Join(dir, n+".docx"))
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	for _, n := range names {
		lo := filepath.Join(dir, "lo", n+".pdf")
		if _, err := os.Stat(lo); err != nil {
			t.Errorf("LibreOffice did not convert %s.docx", n)
			continue
		}
		checkText(t, n+" (LibreOffice)", pdfText(t, lo), wanted[n])
		ours := filepath.Join(dir, n+".ours.pdf")
		checkText(t, n+" (our PDF)", pdfText(t, ours), wanted[n])
		fonts, err := exec.Command("pdffonts", ours).Output()
		if err != nil {
			t.Fatal(err)
		}
		// name type... encoding emb sub uni id gen: emb is the 5th field from the end
		rows := strings.Split(strings.TrimSpace(string(fonts)), "\n")[2:]
		if len(rows) == 0 {
			t.Errorf("%s: no fonts", n)
		}
		for _, r := range rows {
			f := strings.Fields(r)
			if !strings.Contains(strings.ToLower(f[0]), "dejavuserif") || f[len(f)-5] != "yes" {
				t.Errorf("%s: font not DejaVu Serif embedded: %s", n, r)
			}
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSplitPlaceholdersMerge(t *testing.T) {
	tpl, err := ParseTemplate(KindRefusal, splitRuns(t, Builtin(KindRefusal)))
	if err != nil {
		t.Fatal(err)
	}
	d := sample(RequestAccess)
	d.Addressee.Name = "Иванову <И. & И.>"
	docx, err := tpl.DOCX(d)
	if err != nil {
		t.Fatal(err)
	}
	doc := readPart(t, docx, "word/document.xml")
	for _, s := range []string{"Иванову &lt;И. &amp; И.&gt;", "7704217370", "620014, г. Екатеринбург,</w:t><w:br/>"} {
		if !strings.Contains(doc, s) {
			t.Errorf("document lacks %q", s)
		}
	}
	if token.MatchString(doc) {
		t.Errorf("a placeholder is left: %s", token.FindString(doc))
	}
}

func readPart(t *testing.T, docx []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, _ := f.Open()
			var b bytes.Buffer
			_, _ = b.ReadFrom(rc)
			rc.Close()
			return b.String()
		}
	}
	t.Fatalf("no %s", name)
	return ""
}

func TestMissingRefusesToRender(t *testing.T) {
	tpl, err := BuiltinTemplate(KindAnswer)
	if err != nil {
		t.Fatal(err)
	}
	d := sample(RequestAccess)
	d.Operator.INN = ""
	d.Signatory.Name = " "
	d.Access.Records = nil
	_, err = tpl.PDF(d)
	var e *srok.Error
	if !errors.As(err, &e) || e.Code != srok.EINVALID {
		t.Fatalf("got %v, want EINVALID", err)
	}
	for _, s := range []string{"ИНН оператора", "подписант", "ни одна запись об обработке"} {
		if !strings.Contains(e.Message, s) {
			t.Errorf("message %q lacks %q", e.Message, s)
		}
	}
	if _, err := tpl.DOCX(d); err == nil {
		t.Error("DOCX rendered without the INN")
	}
	cases := map[Kind]func(*Data) string{
		KindExtension: func(d *Data) string { d.Extension.NewDueDate = ""; return "новый срок ответа" },
		KindRefusal:   func(d *Data) string { d.Refusal.Ground = ""; return "основание отказа" },
		KindDetailsRequest: func(d *Data) string {
			d.Details.Missing = nil
			return "каких сведений не хватает"
		},
	}
	for k, spoil := range cases {
		d := sample(RequestErasure)
		want := spoil(&d)
		if err := d.Validate(k); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", k, err, want)
		}
	}
	d = sample(RequestErasure)
	d.Actions = nil
	if err := d.Validate(KindAnswer); err == nil || !strings.Contains(err.Error(), "выполненное действие") {
		t.Errorf("an erasure notice without actions: %v", err)
	}
	for _, k := range Kinds {
		for _, rt := range RequestTypes {
			if m := sample(rt).Missing(k); len(m) > 0 {
				t.Errorf("%s/%s: the complete sample misses %v", k, rt, m)
			}
		}
	}
}

func TestParseTemplateRefuses(t *testing.T) {
	noDoc, _ := writeZip([]zipFile{{"[Content_Types].xml", []byte("<Types/>")}, {"word/styles.xml", []byte("<w:styles/>")}})
	broken := bytes.Replace(Builtin(KindAnswer), []byte("PK"), []byte("XX"), 3)
	unknown := rezip(t, Builtin(KindRefusal), "{refusal_reasons}", "{причина}")
	otherKind := rezip(t, Builtin(KindRefusal), "{refusal_reasons}", "{new_due_date}")
	unclosed := rezip(t, Builtin(KindAnswer), "{/records}", "{/recordz}")
	outside := rezip(t, Builtin(KindAnswer), "{access_persons}", "{record_purpose}")
	for name, c := range map[string]struct {
		b    []byte
		k    Kind
		want string
	}{
		"not a zip":       {[]byte("%PDF-1.4 not a docx"), KindAnswer, "не является документом DOCX"},
		"broken zip":      {broken, KindAnswer, "DOCX"},
		"no document.xml": {noDoc, KindAnswer, "word/document.xml"},
		"unknown":         {unknown, KindRefusal, "неизвестное поле {причина}"},
		"another kind's":  {otherKind, KindRefusal, "неизвестное поле {new_due_date}"},
		"unclosed block":  {unclosed, KindAnswer, "не закрыт"},
		"item outside":    {outside, KindAnswer, "только внутри блока {#records}"},
		"unknown kind":    {Builtin(KindAnswer), Kind("memo"), "неизвестный вид письма"},
	} {
		_, err := ParseTemplate(c.k, c.b)
		var e *srok.Error
		if !errors.As(err, &e) || e.Code != srok.EINVALID || !strings.Contains(e.Message, c.want) {
			t.Errorf("%s: got %v, want EINVALID with %q", name, err, c.want)
		}
	}
}

// rezip replaces old by new in the built-in document.
func rezip(t *testing.T, docx []byte, old, new string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatal(err)
	}
	var files []zipFile
	for _, f := range zr.File {
		data := []byte(readPart(t, docx, f.Name))
		if f.Name == "word/document.xml" {
			if !bytes.Contains(data, []byte(old)) {
				t.Fatalf("no %s in the template", old)
			}
			data = bytes.Replace(data, []byte(old), []byte(new), 1)
		}
		files = append(files, zipFile{f.Name, data})
	}
	out, err := writeZip(files)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	for _, k := range Kinds {
		tpl, err := BuiltinTemplate(k)
		if err != nil {
			t.Fatal(err)
		}
		d := sample(RequestAccess)
		a1, _ := tpl.DOCX(d)
		a2, _ := tpl.DOCX(d)
		p1, _ := tpl.PDF(d)
		p2, _ := tpl.PDF(d)
		if len(a1) == 0 || !bytes.Equal(a1, a2) {
			t.Errorf("%s: DOCX differs between two renders", k)
		}
		if len(p1) == 0 || !bytes.Equal(p1, p2) {
			t.Errorf("%s: PDF differs between two renders", k)
		}
		if !bytes.Contains(p1, []byte("D:20260518110500")) {
			t.Errorf("%s: PDF creation date is not Data.Issued", k)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	tpl, err := BuiltinTemplate(KindAnswer)
	if err != nil {
		b.Fatal(err)
	}
	d := sample(RequestAccess)
	b.Run("docx", func(b *testing.B) {
		for b.Loop() {
			if _, err := tpl.DOCX(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pdf", func(b *testing.B) {
		for b.Loop() {
			if _, err := tpl.PDF(d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
