package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// graphClient reads Microsoft Graph v1.0 with an app-only token.
type graphClient struct {
	http  *http.Client
	base  string // e.g. https://graph.microsoft.com/v1.0
	token string
	roles []string // application permissions in the token
}

// GraphError is a Graph error answer.
type GraphError struct {
	HTTPStatus int
	Code       string
	Message    string
}

func (e *GraphError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.HTTPStatus, e.Code, e.Message)
}

// denied reports whether Graph refused for lack of permission.
func denied(err error) bool {
	var ge *GraphError
	return errors.As(err, &ge) && (ge.HTTPStatus == http.StatusForbidden || ge.Code == "Authorization_RequestDenied")
}

// notFound reports whether Graph said the object does not exist.
func notFound(err error) bool {
	var ge *GraphError
	return errors.As(err, &ge) && ge.HTTPStatus == http.StatusNotFound
}

// get GETs path (relative to /v1.0/, query included) into v.
func (g *graphClient) get(ctx context.Context, path string, v any) error {
	return g.do(ctx, http.MethodGet, path, nil, v)
}

func (g *graphClient) do(ctx context.Context, method, path string, body any, v any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = strings.NewReader(string(b))
	}
	u := g.base + "/" + path
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	req.Header.Set("Authorization", "Bearer "+g.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, unwrapURLError(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		json.Unmarshal(b, &e)
		return &GraphError{HTTPStatus: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if v == nil {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s %s: the answer is not JSON: %w", method, u, err)
	}
	return nil
}

// Graph entities, as far as the doctor reads them.
type (
	application struct {
		ID          string `json:"id"`
		AppID       string `json:"appId"`
		DisplayName string `json:"displayName"`
		Web         struct {
			RedirectURIs []string `json:"redirectUris"`
		} `json:"web"`
		PublicClient struct {
			RedirectURIs []string `json:"redirectUris"`
		} `json:"publicClient"`
		SPA struct {
			RedirectURIs []string `json:"redirectUris"`
		} `json:"spa"`
		API struct {
			AcceptMappedClaims *bool `json:"acceptMappedClaims"`
		} `json:"api"`
	}
	extensionProperty struct {
		Name          string   `json:"name"`
		TargetObjects []string `json:"targetObjects"`
	}
	graphPolicy struct {
		ID                    string   `json:"id"`
		DisplayName           string   `json:"displayName"`
		Definition            []string `json:"definition"`
		IsOrganizationDefault bool     `json:"isOrganizationDefault"`
	}
)

// collection is an OData collection page.
type collection[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// list reads every page of a collection.
func list[T any](ctx context.Context, g *graphClient, path string) ([]T, error) {
	var out []T
	for page := 0; path != "" && page < 20; page++ {
		var c collection[T]
		if err := g.get(ctx, path, &c); err != nil {
			return nil, err
		}
		out = append(out, c.Value...)
		path = strings.TrimPrefix(c.NextLink, g.base+"/")
		if path == c.NextLink { // a next link on another host: stop
			break
		}
	}
	return out, nil
}

func appPath(clientID string) string {
	return "applications(appId='" + url.PathEscape(clientID) + "')"
}

func spPath(clientID string) string {
	return "servicePrincipals(appId='" + url.PathEscape(clientID) + "')"
}

// unwrapURLError drops net/http's "Get <url>:" prefix, which would repeat
// the URL the message already names.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
