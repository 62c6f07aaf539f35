package intake

import (
	"testing"

	"github.com/srok/srok/deadlines"
)

func TestSuggest(t *testing.T) {
	tests := []struct {
		subject, text string
		want          deadlines.RequestType // "": nil
	}{
		// Withdrawal of consent.
		{"Отзыв согласия на обработку персональных данных", "", deadlines.TypeWithdrawal},
		{"", "Настоящим отзываю своё согласие на обработку моих персональных данных.", deadlines.TypeWithdrawal},
		{"ОТЗЫВАЮ СОГЛАСИЕ", "", deadlines.TypeWithdrawal},
		{"", "Прошу считать отозванным моё согласие, данное при регистрации.", deadlines.TypeWithdrawal},
		{"", "Хочу отозвать согласие на получение рассылки и обработку данных", deadlines.TypeWithdrawal},
		{"", "Я отказываюсь от данного ранее согласия", deadlines.TypeWithdrawal},
		// Stop processing.
		{"Требование прекратить обработку персональных данных", "", deadlines.TypeStop},
		{"", "Прошу прекратить всякую обработку моих данных", deadlines.TypeStop},
		{"", "Требую немедленно прекращения обработки ПДн", deadlines.TypeStop},
		{"", "Перестаньте использовать мой номер телефона", deadlines.TypeStop},
		{"Отписаться", "Отпишите меня от ваших писем", deadlines.TypeStop},
		{"", "Прошу не обрабатывать больше мои данные", deadlines.TypeStop},
		// Rectification.
		{"Уточнение персональных данных", "", deadlines.TypeRectification},
		{"", "Прошу исправить ошибку в фамилии: Иванова, а не Иванов.", deadlines.TypeRectification},
		{"", "В вашей базе неточные сведения обо мне", deadlines.TypeRectification},
		{"", "Мои данные устарели — прошу обновить адрес", deadlines.TypeRectification},
		{"Исправление данных", "", deadlines.TypeRectification},
		{"", "Поменялся паспорт, прошу изменить данные паспорта", deadlines.TypeRectification},
		// Erasure.
		{"Удаление персональных данных", "", deadlines.TypeErasure},
		{"", "Прошу удалить все мои данные из вашей базы.", deadlines.TypeErasure},
		{"", "Требую уничтожить мои персональные данные", deadlines.TypeErasure},
		{"", "Удалите мой аккаунт, пожалуйста", deadlines.TypeErasure},
		{"Уничтожение ПДн", "", deadlines.TypeErasure},
		// Access.
		{"Запрос на предоставление сведений", "", deadlines.TypeAccess},
		{"", "Прошу предоставить информацию об обработке моих персональных данных.", deadlines.TypeAccess},
		{"", "Хочу ознакомиться с моими персональными данными", deadlines.TypeAccess},
		{"", "Сообщите, какие мои данные вы храните и с какой целью", deadlines.TypeAccess},
		{"Запрос субъекта персональных данных", "", deadlines.TypeAccess},
		{"", "Прошу предоставить доступ к моим персональным данным", deadlines.TypeAccess},
		{"", "Вышлите копию моих данных", deadlines.TypeAccess},
		// Dissemination.
		{"", "Прошу прекратить распространение моих персональных данных на сайте", deadlines.TypeDissemination},
		{"Требование о прекращении распространения", "", deadlines.TypeDissemination},
		{"", "Уберите мои фото из открытого доступа", deadlines.TypeDissemination},
		// Automated decisions.
		{"", "Возражаю против решения, принятого автоматизированно: отказ в кредите по скорингу", deadlines.TypeAutomated},
		{"Возражение против автоматизированного решения", "", deadlines.TypeAutomated},
		// Incident.
		{"Утечка данных", "", deadlines.TypeIncident},
		{"", "Похоже, ваша база была взломана и мои данные слили", deadlines.TypeIncident},
		// Unlawful processing.
		{"", "Вы неправомерно обрабатываете мои данные", deadlines.TypeUnlawful},
		{"", "Я не давала согласия, откуда у вас мой телефон?", deadlines.TypeUnlawful},
		// Roskomnadzor.
		{"Запрос Управления Роскомнадзора по ЦФО", "", deadlines.TypeAuthority},
		{"", "Управление Федеральной службы по надзору в сфере связи направляет запрос", deadlines.TypeAuthority},
		// Purpose achieved.
		{"", "Цель обработки достигнута, договор исполнен", deadlines.TypePurpose},
		// The subject wins over the body.
		{"Отзыв согласия", "Прошу предоставить сведения и удалить данные", deadlines.TypeWithdrawal},
		{"Вопрос", "Прошу удалить мои данные", deadlines.TypeErasure},
		// Nothing.
		{"Счёт на оплату", "Добрый день! Направляем счёт за ноябрь.", ""},
		{"", "", ""},
		{"Re: встреча", "Давайте перенесём на завтра", ""},
		{"Hello", "Lorem ipsum dolor sit amet", ""},
		{"", "Работаю удалённо, созвонимся завтра", ""},
		{"Ваш заказ", "Статус: отправлен. Спасибо за покупку!", ""},
	}
	for _, tt := range tests {
		got := Suggest(tt.subject, tt.text)
		switch {
		case tt.want == "" && got != nil:
			t.Errorf("Suggest(%q, %q) = %s, want nil", tt.subject, tt.text, *got)
		case tt.want != "" && got == nil:
			t.Errorf("Suggest(%q, %q) = nil, want %s", tt.subject, tt.text, tt.want)
		case tt.want != "" && *got != tt.want:
			t.Errorf("Suggest(%q, %q) = %s, want %s", tt.subject, tt.text, *got, tt.want)
		}
	}
}

// Every rule names a request type the deadline engine knows.
func TestRulesNameKnownTypes(t *testing.T) {
	covered := map[deadlines.RequestType]bool{}
	for _, r := range rules {
		if !r.typ.Known() {
			t.Errorf("rule for unknown type %q", r.typ)
		}
		covered[r.typ] = true
	}
	for _, typ := range deadlines.RequestTypes() {
		if !covered[typ] {
			t.Errorf("no rule suggests %s", typ)
		}
	}
}
