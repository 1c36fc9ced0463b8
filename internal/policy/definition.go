package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/token"
)

// Lifetime bounds of AccessTokenLifetime (Entra: 10 minutes to 1 day).
const (
	MinAccessTokenLifetime = 10 * time.Minute
	MaxAccessTokenLifetime = 24 * time.Hour
)

// DefinitionError explains why a policy definition is refused.
type DefinitionError struct{ Msg string }

func (e *DefinitionError) Error() string { return e.Msg }

func defErr(format string, args ...any) error {
	return &DefinitionError{Msg: fmt.Sprintf(format, args...)}
}

// single returns the one JSON document of a definition array.
func single(definition []string) ([]byte, error) {
	if len(definition) != 1 {
		return nil, defErr("definition must be an array with exactly one string holding the policy JSON; it has %d", len(definition))
	}
	return []byte(definition[0]), nil
}

// decodeStrict decodes JSON refusing unknown properties.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON document")
	}
	return nil
}

// lifetimeDoc is a TokenLifetimePolicy definition. The session and refresh
// token properties are accepted for compatibility but, as on Entra since
// January 2021, not honoured.
type lifetimeDoc struct {
	TokenLifetimePolicy *struct {
		Version                   *json.Number `json:"Version"`
		AccessTokenLifetime       *string      `json:"AccessTokenLifetime"`
		MaxInactiveTime           *string      `json:"MaxInactiveTime"`
		MaxAgeSingleFactor        *string      `json:"MaxAgeSingleFactor"`
		MaxAgeMultiFactor         *string      `json:"MaxAgeMultiFactor"`
		MaxAgeSessionSingleFactor *string      `json:"MaxAgeSessionSingleFactor"`
		MaxAgeSessionMultiFactor  *string      `json:"MaxAgeSessionMultiFactor"`
	} `json:"TokenLifetimePolicy"`
}

// ParseTokenLifetime validates a token lifetime policy definition and
// returns its AccessTokenLifetime (0 when the policy does not set it).
func ParseTokenLifetime(definition []string) (time.Duration, error) {
	b, err := single(definition)
	if err != nil {
		return 0, err
	}
	var doc lifetimeDoc
	if err := decodeStrict(b, &doc); err != nil {
		return 0, defErr("definition is not a valid TokenLifetimePolicy document: %v", err)
	}
	p := doc.TokenLifetimePolicy
	if p == nil {
		return 0, defErr(`definition must have a "TokenLifetimePolicy" object`)
	}
	if err := checkVersion(p.Version); err != nil {
		return 0, err
	}
	if p.AccessTokenLifetime == nil {
		return 0, nil
	}
	d, err := ParseTimeSpan(*p.AccessTokenLifetime)
	if err != nil {
		return 0, defErr("AccessTokenLifetime: %v", err)
	}
	if d < MinAccessTokenLifetime || d > MaxAccessTokenLifetime {
		return 0, defErr("AccessTokenLifetime %s is outside the allowed range of 00:10:00 to 1.00:00:00", *p.AccessTokenLifetime)
	}
	return d, nil
}

func checkVersion(v *json.Number) error {
	if v == nil {
		return defErr(`"Version" is required and must be 1`)
	}
	if n, err := v.Int64(); err != nil || n != 1 {
		return defErr(`"Version" must be 1, not %s`, v.String())
	}
	return nil
}

// claimsDoc is a ClaimsMappingPolicy definition.
type claimsDoc struct {
	ClaimsMappingPolicy *struct {
		Version               *json.Number    `json:"Version"`
		IncludeBasicClaimSet  json.RawMessage `json:"IncludeBasicClaimSet"`
		ClaimsSchema          []claimSchema   `json:"ClaimsSchema"`
		ClaimsTransformations json.RawMessage `json:"ClaimsTransformations"`
	} `json:"ClaimsMappingPolicy"`
}

type claimSchema struct {
	Source           string `json:"Source"`
	ID               string `json:"ID"`
	ExtensionID      string `json:"ExtensionID"`
	JwtClaimType     string `json:"JwtClaimType"`
	SamlClaimType    string `json:"SamlClaimType"`
	Value            string `json:"Value"`
	TransformationID string `json:"TransformationId"`
}

var claimSources = map[string]bool{"user": true, "application": true, "resource": true, "audience": true, "company": true, "transformation": true}

// ParseClaimsMapping validates a claims mapping policy definition and
// returns what token assembly needs. Gatehouse evaluates Source "user"
// entries (attributes and directory extensions); claims transformations are
// refused rather than silently ignored.
func ParseClaimsMapping(definition []string) (*token.ClaimsMapping, error) {
	b, err := single(definition)
	if err != nil {
		return nil, err
	}
	var doc claimsDoc
	if err := decodeStrict(b, &doc); err != nil {
		return nil, defErr("definition is not a valid ClaimsMappingPolicy document: %v", err)
	}
	p := doc.ClaimsMappingPolicy
	if p == nil {
		return nil, defErr(`definition must have a "ClaimsMappingPolicy" object`)
	}
	if err := checkVersion(p.Version); err != nil {
		return nil, err
	}
	out := &token.ClaimsMapping{IncludeBasicClaimSet: true}
	if len(p.IncludeBasicClaimSet) > 0 {
		switch strings.ToLower(strings.Trim(string(p.IncludeBasicClaimSet), `"`)) {
		case "true":
		case "false":
			out.IncludeBasicClaimSet = false
		default:
			return nil, defErr(`IncludeBasicClaimSet must be "true" or "false"`)
		}
	}
	if len(p.ClaimsTransformations) > 0 && string(p.ClaimsTransformations) != "null" && string(p.ClaimsTransformations) != "[]" {
		return nil, defErr("ClaimsTransformations are not supported by Gatehouse")
	}
	for i, c := range p.ClaimsSchema {
		src := strings.ToLower(c.Source)
		switch {
		case c.Source == "" && c.Value == "":
			return nil, defErr("ClaimsSchema[%d]: Source is required", i)
		case c.Source != "" && !claimSources[src]:
			return nil, defErr("ClaimsSchema[%d]: Source %q is not one of user, application, resource, audience, company, transformation", i, c.Source)
		case src == "transformation" || c.TransformationID != "":
			return nil, defErr("ClaimsSchema[%d]: claims transformations are not supported by Gatehouse", i)
		case c.ID != "" && c.ExtensionID != "":
			return nil, defErr("ClaimsSchema[%d]: set ID or ExtensionID, not both", i)
		case c.Source != "" && c.ID == "" && c.ExtensionID == "":
			return nil, defErr("ClaimsSchema[%d]: ID or ExtensionID is required", i)
		case c.ExtensionID != "" && src != "user":
			return nil, defErr("ClaimsSchema[%d]: only user extension attributes can be mapped (Source must be user)", i)
		case c.JwtClaimType == "" && c.SamlClaimType == "":
			return nil, defErr("ClaimsSchema[%d]: JwtClaimType or SamlClaimType is required", i)
		case c.JwtClaimType != "" && token.IsRestrictedClaim(c.JwtClaimType):
			return nil, defErr("ClaimsSchema[%d]: %q is a restricted claim and cannot be emitted by a claims mapping policy", i, c.JwtClaimType)
		}
		if c.JwtClaimType == "" {
			continue // SAML only: no JWT claim
		}
		out.Claims = append(out.Claims, token.MappedClaim{Source: src, ID: c.ID, ExtensionID: c.ExtensionID, JWTClaimType: c.JwtClaimType})
	}
	return out, nil
}
