package ru

// AckPlaceholders names, in the order the page lists them, the placeholders
// an acknowledgement's subject line and text may use, with what each
// becomes.
func AckPlaceholders() [][2]string {
	return [][2]string{
		{"приветствие", "«Здравствуйте, <имя заявителя>!», или «Здравствуйте!», когда имя неизвестно"},
		{"имя", "имя заявителя (может быть пустым)"},
		{"номер", "регистрационный номер обращения"},
		{"дата_получения", "дата получения обращения, например «18 мая 2026 г.»"},
		{"срок_ответа", "дата, не позднее которой будет дан ответ"},
		{"оператор", "краткое (или полное) наименование оператора из реквизитов"},
	}
}

// AckGreeting is the greeting of an acknowledgement, by the subject's name
// when it is known.
func AckGreeting(name string) string {
	if name == "" {
		return "Здравствуйте!"
	}
	return "Здравствуйте, " + name + "!"
}

// Problems with an acknowledgement's template, shown next to the field.
const (
	AckSubjectEmpty  = "тема письма не может быть пустой"
	AckSubjectLines  = "тема письма должна быть одной строкой"
	AckTextEmpty     = "текст письма не может быть пустым"
	AckTooLong       = "слишком длинный текст: не более %d символов"
	AckUnknownField  = "неизвестная подстановка {%s}: можно использовать %s"
	AckUnclosedBrace = "незакрытая фигурная скобка: подстановка пишется как {номер}"
	AckTemplateBuilt = "встроенный шаблон"
)

// AckBuiltinSubject and AckBuiltinText are the acknowledgement's built-in
// template, its placeholders those of AckPlaceholders.
const (
	AckBuiltinSubject = "Ваше обращение зарегистрировано: № {номер}"
	AckBuiltinText    = `{приветствие}

Ваше обращение, полученное {дата_получения}, зарегистрировано под номером № {номер}.
Ответ на него будет дан не позднее {срок_ответа}.

Если вы пишете нам об этом обращении, укажите его номер в теме письма или ответьте на это письмо.

--
Письмо отправлено автоматически.
`
)
