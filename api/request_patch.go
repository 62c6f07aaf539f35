package api

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// mergePatchBody is PATCH's body: an RFC 7396 merge patch (plain JSON is
// taken too).
var mergePatchBody = httpx.Body{MediaTypes: []string{"application/merge-patch+json", echo.MIMEApplicationJSON}, Limit: httpx.MaxJSON}

func (s *server) patchRequest(c echo.Context) error {
	version, present, err := ifMatch(c)
	if err != nil {
		return err
	}
	if !present {
		return &srok.Error{Code: srok.EPRECONDITIONREQUIRED, Reason: "version_required",
			Message: "send the version you edit in the If-Match header, as given in the ETag: If-Match: \"3\"",
			Fields:  []srok.FieldError{{Field: "If-Match", Problem: "is required"}}}
	}
	var patch map[string]any
	if err := mergePatchBody.Decode(c, &patch); err != nil {
		return err
	}
	if patch == nil {
		return httpx.Malformed("", "the body must be a JSON object")
	}
	// RFC 7396: the patch is merged into the request as an input, read
	// once by the service for the change.
	r, err := s.reg.Edit(c.Request().Context(), c.Param("id"), version, func(cur register.Input) (register.Input, error) {
		base, _ := json.Marshal(cur)
		var doc map[string]any
		_ = json.Unmarshal(base, &doc)
		merged, _ := json.Marshal(mergePatch(doc, patch))
		var in register.Input
		return in, httpx.DecodeJSON(merged, &in)
	})
	if err != nil {
		return err
	}
	return s.writeRequest(c, http.StatusOK, r)
}

// mergePatch applies an RFC 7396 JSON merge patch to doc.
func mergePatch(doc map[string]any, patch map[string]any) map[string]any {
	if doc == nil {
		doc = map[string]any{}
	}
	for k, v := range patch {
		if v == nil {
			delete(doc, k)
			continue
		}
		if pm, ok := v.(map[string]any); ok {
			dm, _ := doc[k].(map[string]any)
			doc[k] = mergePatch(dm, pm)
			continue
		}
		doc[k] = v
	}
	return doc
}
