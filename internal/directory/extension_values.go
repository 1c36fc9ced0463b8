package directory

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// Directory extension value limits (Entra: String and Binary up to 256).
const (
	MaxExtensionStringLen = 256
	MaxExtensionBinaryLen = 256
)

// CoerceExtensionValue validates a JSON value for a definition and returns
// the value to store; nil (JSON null) removes the value.
func CoerceExtensionValue(def *ExtensionProperty, raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if def.IsMultiValued {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("%s is multi-valued: send a JSON array", def.Name)
		}
		out := make([]any, 0, len(items))
		for _, it := range items {
			v, err := coerceOne(def, it)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return coerceOne(def, raw)
}

func coerceOne(def *ExtensionProperty, raw json.RawMessage) (any, error) {
	bad := func(want string) error {
		return fmt.Errorf("invalid value for %s: expected %s (dataType %s), got %s", def.Name, want, def.DataType, truncate(string(raw), 40))
	}
	switch def.DataType {
	case "String":
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, bad("a string")
		}
		if utf8.RuneCountInString(s) > MaxExtensionStringLen {
			return nil, fmt.Errorf("invalid value for %s: a String extension holds at most %d characters, got %d", def.Name, MaxExtensionStringLen, utf8.RuneCountInString(s))
		}
		return s, nil
	case "Boolean":
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return nil, bad("true or false")
		}
		return b, nil
	case "Integer", "LargeInteger":
		var n json.Number
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if dec.Decode(&n) != nil {
			return nil, bad("an integer")
		}
		i, err := n.Int64()
		if err != nil {
			return nil, bad("an integer")
		}
		if def.DataType == "Integer" && (i < math.MinInt32 || i > math.MaxInt32) {
			return nil, fmt.Errorf("invalid value for %s: an Integer extension is 32-bit", def.Name)
		}
		return i, nil
	case "DateTime":
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, bad("an ISO 8601 date and time")
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, bad("an ISO 8601 date and time")
		}
		return t.UTC().Format("2006-01-02T15:04:05Z"), nil
	case "Binary":
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, bad("base64-encoded bytes")
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, bad("base64-encoded bytes")
		}
		if len(b) > MaxExtensionBinaryLen {
			return nil, fmt.Errorf("invalid value for %s: a Binary extension holds at most %d bytes", def.Name, MaxExtensionBinaryLen)
		}
		return s, nil
	}
	return nil, fmt.Errorf("extension %s has unknown dataType %q", def.Name, def.DataType)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
