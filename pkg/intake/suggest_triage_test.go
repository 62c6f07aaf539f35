package intake

import "testing"

// TestSuggestTriageKeywords: the wording the inbox relies on, each as a
// subject alone.
func TestSuggestTriageKeywords(t *testing.T) {
	for subject, want := range map[string]string{
		"Запрос на доступ к персональным данным": "access",
		"Ознакомление с персональными данными":   "access",
		"Уточнение персональных данных":          "rectification",
		"Исправление данных в анкете":            "rectification",
		"Отзыв согласия на обработку":            "withdrawal",
		"Удаление персональных данных":           "erasure",
		"Требование об уничтожении данных":       "erasure",
		"Требование о прекращении обработки":     "stop",
		"Прошу прекратить обработку моих данных": "stop",
		"Приглашение на вебинар":                 "",
		"Re: счёт за октябрь":                    "",
	} {
		got := ""
		if s := Suggest(subject, ""); s != nil {
			got = string(*s)
		}
		if got != want {
			t.Errorf("Suggest(%q) = %q, want %q", subject, got, want)
		}
	}
}
