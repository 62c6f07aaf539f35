package intake

import (
	"strings"
	"unicode"

	"github.com/srok/srok/deadlines"
)

// A rule suggests a request type when one of its phrases occurs in the
// text. A phrase is a sequence of word stems, each a set of alternative
// beginnings of a word ("отзыв|отозва"), that must appear in that order with
// at most maxGap other words between them: Russian inflects words, and a
// stem matches every form («отзываю», «отзыва», «отозвать»).
type rule struct {
	typ     deadlines.RequestType
	phrases [][]string
}

// maxGap is how many words may stand between two stems of a phrase
// («прекратить ВСЯКУЮ обработку», «отзываю СВОЁ согласие»).
const maxGap = 3

// rules are tried in order; the first that matches wins. The specific come
// before the general: a withdrawal of consent («отзываю согласие на
// обработку») also says «обработку», a demand to stop dissemination also
// says «прекратить», a demand to destroy unlawfully processed data also
// says «неправомерно». The terms are those of 152-FZ and the words people
// use for them.
var rules = []rule{
	// 152-FZ art. 9 part 2, art. 21 part 5: отзыв согласия.
	{deadlines.TypeWithdrawal, [][]string{
		{"отзыв|отзова|отозва|отозв|отзыва", "согласи"},
		{"отказ|отказыва", "от$", "согласи"},
		{"аннулир|аннулиров", "согласи"},
		{"согласи", "отзыва|отозва|отзыв"},
	}},
	// 152-FZ art. 10.1 parts 12-14: прекращение распространения.
	{deadlines.TypeDissemination, [][]string{
		{"прекрат|прекращ|останов|запрет|запрещ|убер|убрат|удал", "распростран"},
		{"распростран", "прекрат|прекращ|запрет|запрещ"},
		{"убер|убрат|удал|исключ", "из$", "общ|открыт"},
	}},
	// 152-FZ art. 16 part 3-4: возражение против автоматизированного решения.
	{deadlines.TypeAutomated, [][]string{
		{"автоматизированн|автоматическ", "решени|обработк|отказ|оценк|скоринг"},
		{"возраж|возража|оспар|обжал", "автоматизированн|автоматическ|скоринг"},
	}},
	// 152-FZ art. 21 part 5.1: требование о прекращении обработки.
	{deadlines.TypeStop, [][]string{
		{"прекрат|прекращ|останов|перестан|перестат|приостанов", "обработк|обрабатыв|использова|использу|рассылк|звонк"},
		{"не$", "обрабатыва|используй|используйт|использовать"},
		{"отпис|отписат"},
		{"запрещ|запрет", "обработк|обрабатыв|использова"},
	}},
	// 152-FZ art. 20 part 3: уничтожение.
	{deadlines.TypeErasure, [][]string{
		{"удалит|удали|удалени|удаля|удалю"},
		{"уничтож|уничтоже"},
		{"стереть|сотрит|сотри|стирани"},
		{"забудьт|забыт", "меня$"},
	}},
	// 152-FZ art. 20 part 3, art. 21 parts 1-2: уточнение.
	{deadlines.TypeRectification, [][]string{
		{"уточн|уточня"},
		{"исправ|исправл"},
		{"неточн|неверн|ошибочн|недостоверн|устаревш|неактуальн|неполн"},
		{"ошибк|ошибоч", "в$|во$", "данн|фамил|имен|адрес|номер|дат"},
		{"изменит|измените|обновит|обновите|актуализ|замен", "данн|фамил|имя|адрес|номер|телефон|паспорт|сведени"},
	}},
	// 152-FZ art. 21 part 3.1: инцидент (утечка).
	{deadlines.TypeIncident, [][]string{
		{"утечк|утекл|слив|слил"},
		{"инцидент"},
		{"взлом|взломан|скомпрометир"},
	}},
	// 152-FZ art. 20 part 4: запрос уполномоченного органа.
	{deadlines.TypeAuthority, [][]string{
		{"роскомнадзор|ркн$|уполномоченн", "запрос|требовани|предписани|направля|просит|проверк"},
		{"запрос|требовани|предписани|проверк", "роскомнадзор|ркн$|уполномоченн"},
		{"управлени", "федеральн", "служб", "надзор"},
	}},
	// 152-FZ art. 21 part 3: неправомерная обработка.
	{deadlines.TypeUnlawful, [][]string{
		{"неправомерн|незаконн|без$", "обработк|обрабатыв|использ|получ|согласи|основани"},
		{"не$", "давал|давала|давали", "согласи"},
	}},
	// 152-FZ art. 14: запрос субъекта (сведения о обработке, доступ).
	{deadlines.TypeAccess, [][]string{
		{"предостав|сообщ|сообщит|направ|выслат|вышлит|прислат|пришлит|дать$|дайте|получ|раскры", "сведени|информаци|доступ|копи|перечен|список|выписк"},
		{"ознаком|ознакомл"},
		{"как$|какие|каких|какая|какую|каким", "данн|сведени|информаци|цел"},
		{"запрос", "субъект|доступ|сведени|информаци|персональн"},
		{"доступ", "к$", "данн|персональн|сведени|информаци"},
	}},
	// 152-FZ art. 21 part 4: достижение цели обработки.
	{deadlines.TypePurpose, [][]string{
		{"цел", "достигнут|достигн|достижени|выполнен|исчерпан"},
		{"достижени|достигнут", "цел"},
	}},
}

// Suggest returns the request type the Russian wording of an email
// suggests, or nil when none: the subject first (people name what they ask
// in it), then the body. Case, «ё» and word forms do not matter. It is a
// suggestion for the person who registers the request, never the decision.
func Suggest(subject, text string) *deadlines.RequestType {
	for _, s := range []string{subject, text} {
		if t := suggest(words(s)); t != nil {
			return t
		}
	}
	return nil
}

func suggest(ws []string) *deadlines.RequestType {
	if len(ws) == 0 {
		return nil
	}
	for _, r := range rules {
		for _, ph := range r.phrases {
			if matches(ws, ph) {
				t := r.typ
				return &t
			}
		}
	}
	return nil
}

// words splits s into lower-case words, «ё» read as «е».
func words(s string) []string {
	s = strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(s, "ё", "е"), "Ё", "Е"))
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// matches reports whether the stems of phrase occur in ws in order, each
// within maxGap words of the one before.
func matches(ws []string, phrase []string) bool {
	for i := range ws {
		if stemOf(ws[i], phrase[0]) && rest(ws, i+1, phrase[1:]) {
			return true
		}
	}
	return false
}

func rest(ws []string, from int, phrase []string) bool {
	if len(phrase) == 0 {
		return true
	}
	for j := from; j < len(ws) && j <= from+maxGap; j++ {
		if stemOf(ws[j], phrase[0]) && rest(ws, j+1, phrase[1:]) {
			return true
		}
	}
	return false
}

// stemOf reports whether w begins with one of the alternatives of stem;
// an alternative ending in "$" («от$», «ркн$») must be the whole word.
func stemOf(w, stem string) bool {
	for alt := range strings.SplitSeq(stem, "|") {
		if exact, ok := strings.CutSuffix(alt, "$"); ok {
			if w == exact {
				return true
			}
		} else if strings.HasPrefix(w, alt) {
			return true
		}
	}
	return false
}
