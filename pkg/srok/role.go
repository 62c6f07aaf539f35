package srok

// Role is what a user may do in Srok. Every actor carries one; the domain
// checks it against the one table below (Can), so that the API, the command
// line, the dashboard and the reminder worker share the same rules.
type Role string

// The roles, from the most to the least trusted.
const (
	// RoleAdmin manages users, tokens and settings, and may do everything.
	RoleAdmin Role = "admin"
	// RoleOfficer is the responsible person (ответственный за организацию
	// обработки персональных данных, 152-FZ art. 22.1): every request,
	// assign, extend, answer, close, and the audit trail.
	RoleOfficer Role = "officer"
	// RoleOperator logs requests, and reads and works on those assigned to
	// them or to nobody.
	RoleOperator Role = "operator"
	// RoleViewer reads, with the subject's contacts and identity details
	// masked.
	RoleViewer Role = "viewer"
)

// Roles lists every role, the most trusted first.
func Roles() []Role { return []Role{RoleAdmin, RoleOfficer, RoleOperator, RoleViewer} }

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	for _, x := range Roles() {
		if r == x {
			return true
		}
	}
	return false
}

// Action is something an actor may be allowed to do.
type Action string

// The actions. Request actions are checked against the request too: an
// operator may do them only on a request assigned to them or to nobody.
const (
	ActRequestCreate  Action = "request.create"
	ActRequestRead    Action = "request.read"
	ActRequestEdit    Action = "request.edit"
	ActRequestAssign  Action = "request.assign"
	ActRequestExtend  Action = "request.extend"
	ActRequestAnswer  Action = "request.answer" // answer or refuse
	ActRequestClose   Action = "request.close"
	ActRequestCancel  Action = "request.cancel"
	ActRequestNote    Action = "request.note"
	ActDashboardRead  Action = "dashboard.read"
	ActPersonalData   Action = "personal_data.read" // the subject's contacts and identity details unmasked
	ActAuditRead      Action = "audit.read"
	ActUserManage     Action = "user.manage"
	ActTokenManage    Action = "token.manage" // every user's tokens
	ActCalendarManage Action = "calendar.manage"
	// ActOrganisationManage changes the operator's details, processing
	// records and letter templates; everyone signed in reads them.
	ActOrganisationManage Action = "organisation.manage"
)

// Scope narrows what an API token may do below its user's role.
type Scope string

// The scopes.
const (
	// ScopeFull is the user's whole role.
	ScopeFull Scope = ""
	// ScopeIntake may register requests and read back only those it
	// registered: for web forms and help desks.
	ScopeIntake Scope = "intake"
)

// permissions is the role × action table. The README prints it; a test
// checks every cell through the API.
var permissions = map[Role]map[Action]bool{
	RoleAdmin: {
		ActRequestCreate: true, ActRequestRead: true, ActRequestEdit: true, ActRequestAssign: true,
		ActRequestExtend: true, ActRequestAnswer: true, ActRequestClose: true, ActRequestCancel: true,
		ActRequestNote: true, ActDashboardRead: true, ActPersonalData: true, ActAuditRead: true,
		ActUserManage: true, ActTokenManage: true, ActCalendarManage: true, ActOrganisationManage: true,
	},
	RoleOfficer: {
		ActRequestCreate: true, ActRequestRead: true, ActRequestEdit: true, ActRequestAssign: true,
		ActRequestExtend: true, ActRequestAnswer: true, ActRequestClose: true, ActRequestCancel: true,
		ActRequestNote: true, ActDashboardRead: true, ActPersonalData: true, ActAuditRead: true,
	},
	RoleOperator: {
		ActRequestCreate: true, ActRequestRead: true, ActRequestEdit: true, ActRequestAssign: true,
		ActRequestExtend: true, ActRequestAnswer: true, ActRequestClose: true, ActRequestCancel: true,
		ActRequestNote: true, ActDashboardRead: true, ActPersonalData: true,
	},
	RoleViewer: {
		ActRequestRead: true, ActDashboardRead: true,
	},
}

// intakeActions are all an intake token may do.
var intakeActions = map[Action]bool{ActRequestCreate: true, ActRequestRead: true, ActPersonalData: true}

// Can reports whether an actor with role and scope may do act at all. For
// request actions the register also checks the request itself
// (operators: their own or unassigned; intake tokens: what they created).
func Can(role Role, scope Scope, act Action) bool {
	if scope == ScopeIntake && !intakeActions[act] {
		return false
	}
	return permissions[role][act]
}
