package calendar

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// embedded is the verified official production calendar shipped with Srok,
// one entry per year with the decree it comes from.
//
//go:embed data/ru-production-calendar.json
var embedded embed.FS

const embeddedName = "data/ru-production-calendar.json"

// EmbeddedData returns the calendar data shipped in the binary.
func EmbeddedData() ([]Year, error) {
	b, err := embedded.ReadFile(embeddedName)
	if err != nil {
		return nil, fmt.Errorf("calendar: reading embedded data: %w", err)
	}
	return ParseData("(embedded) "+embeddedName, b)
}

// Embedded builds the calendar from the data shipped in the binary alone.
func Embedded() (*Calendar, error) {
	return Load()
}

// Load builds the calendar from the embedded data plus the years in the given
// files or folders (every *.json file of a folder, in name order), in the same
// format. A year from a file replaces the embedded year (a corrected decree);
// the same year in two of the given files is refused, as is any malformed file.
// This is how next year's decree is added without a new release.
func Load(paths ...string) (*Calendar, error) {
	base, err := EmbeddedData()
	if err != nil {
		return nil, err
	}
	byYear := map[int]Year{}
	for _, y := range base {
		byYear[y.Year] = y
	}
	from := map[int]string{}
	for _, p := range paths {
		files, err := dataFiles(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("calendar data %s: %w", f, err)
			}
			years, err := ParseData(f, b)
			if err != nil {
				return nil, err
			}
			for _, y := range years {
				if prev, ok := from[y.Year]; ok {
					return nil, &DataError{File: f, Entry: fmt.Sprintf("years[\"%d\"]", y.Year), Problem: "year already given in " + prev}
				}
				from[y.Year] = f
				byYear[y.Year] = y
			}
		}
	}
	all := make([]Year, 0, len(byYear))
	for _, y := range byYear {
		all = append(all, y)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Year < all[j].Year })
	return New(all)
}

// dataFiles returns p itself, or the *.json files in folder p in name order.
func dataFiles(p string) ([]string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("calendar data %s: %w", p, err)
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, fmt.Errorf("calendar data %s: %w", p, err)
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.EqualFold(filepath.Ext(e.Name()), ".json") {
			files = append(files, filepath.Join(p, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("calendar data %s: the folder has no .json files", p)
	}
	return files, nil
}
