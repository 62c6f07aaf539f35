package intake

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
)

// extParam matches one RFC 2231 extended parameter of a file name:
// filename*=, filename*0*=, filename*1= (and name* of Content-Type), with
// its value quoted or not.
var extParam = regexp.MustCompile(`(?i)(?:^|;)\s*(file)?name\*(\d+)?(\*)?\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)`)

// rfc2231Name decodes the file name of a Content-Disposition or
// Content-Type header whose RFC 2231 value is in a charset other than UTF-8
// («filename*0*=windows-1251”%C7%E0…»), which the standard library's
// decoder (and so enmime's) drops. It returns "" when the header has no such
// name.
func rfc2231Name(header string) string {
	ms := extParam.FindAllStringSubmatch(header, -1)
	if len(ms) == 0 {
		return ""
	}
	type seg struct {
		n       int
		encoded bool
		v       string
	}
	byKind := map[bool][]seg{} // filename* first, then name*
	for _, m := range ms {
		n, _ := strconv.Atoi(m[2])
		byKind[m[1] != ""] = append(byKind[m[1] != ""], seg{n: n, encoded: m[3] != "" || m[2] == "", v: strings.Trim(m[4], `"`)})
	}
	segs := byKind[true]
	if len(segs) == 0 {
		segs = byKind[false]
	}
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].n < segs[j].n })
	if !segs[0].encoded {
		return ""
	}
	parts := strings.SplitN(segs[0].v, "'", 3)
	if len(parts) != 3 {
		return ""
	}
	charset := strings.ToLower(parts[0])
	if charset == "" || charset == "utf-8" || charset == "us-ascii" {
		return "" // the standard decoder reads these
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return ""
	}
	segs[0].v = parts[2]
	var b strings.Builder
	for _, s := range segs {
		if !s.encoded {
			b.WriteString(s.v)
			continue
		}
		raw, err := url.PathUnescape(s.v)
		if err != nil {
			return ""
		}
		d, err := enc.NewDecoder().String(raw)
		if err != nil {
			return ""
		}
		b.WriteString(d)
	}
	return b.String()
}
