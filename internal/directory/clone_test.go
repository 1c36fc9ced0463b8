package directory

import (
	"reflect"
	"testing"
	"time"
)

// TestCloneSharesNothing fills every field of each type, slices, maps and
// pointers included (so a field added later is covered without changing
// this test), clones the value and checks that the clone is equal and
// shares no memory with the original.
func TestCloneSharesNothing(t *testing.T) {
	tests := []struct {
		name  string
		value any // a pointer to a filled value
		clone func(any) any
	}{
		{"Tenant", fill(new(Tenant)), func(v any) any { return v.(*Tenant).Clone() }},
		{"Application", fill(new(Application)), func(v any) any { return v.(*Application).Clone() }},
		{"ServicePrincipal", fill(new(ServicePrincipal)), func(v any) any { return v.(*ServicePrincipal).Clone() }},
		{"User", fill(new(User)), func(v any) any { return v.(*User).Clone() }},
		{"Group", fill(new(Group)), func(v any) any { return v.(*Group).Clone() }},
		{"AppRoleAssignment", fill(new(AppRoleAssignment)), func(v any) any { return v.(*AppRoleAssignment).Clone() }},
		{"ExtensionProperty", fill(new(ExtensionProperty)), func(v any) any { return v.(*ExtensionProperty).Clone() }},
		{"Policy", fill(new(Policy)), func(v any) any { return v.(*Policy).Clone() }},
		{"PolicyAssignment", fill(new(PolicyAssignment)), func(v any) any { return v.(*PolicyAssignment).Clone() }},
		{"PermissionGrant", fill(new(PermissionGrant)), func(v any) any { return v.(*PermissionGrant).Clone() }},
		{"RoleAssignment", fill(new(RoleAssignment)), func(v any) any { return v.(*RoleAssignment).Clone() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.clone(tc.value)
			if !reflect.DeepEqual(got, tc.value) {
				t.Fatalf("%s.Clone() = %+v, want %+v", tc.name, got, tc.value)
			}
			if path, shared := sharedMemory(reflect.ValueOf(got), reflect.ValueOf(tc.value), tc.name); shared {
				t.Fatalf("%s.Clone() shares %s with the original", tc.name, path)
			}
		})
	}
}

// Nil and empty slices encode differently (null and []); a clone keeps
// which one it was.
func TestCloneKeepsNilAndEmpty(t *testing.T) {
	a := &Application{IdentifierURIs: []string{}, RequiredResourceAccess: nil}
	c := a.Clone()
	if c.IdentifierURIs == nil {
		t.Errorf("Clone().IdentifierURIs = nil, want an empty slice")
	}
	if c.RequiredResourceAccess != nil {
		t.Errorf("Clone().RequiredResourceAccess = %v, want nil", c.RequiredResourceAccess)
	}
	var nilApp *Application
	if nilApp.Clone() != nil {
		t.Errorf("(*Application)(nil).Clone() != nil")
	}
}

var timeType = reflect.TypeFor[time.Time]()

// fill sets every field reachable from ptr to a non-zero value: slices and
// maps get one element, pointers a target. An any (extension values) gets
// a multi-valued extension, []any, the one case that needs copying.
func fill[T any](ptr *T) *T {
	fillValue(reflect.ValueOf(ptr).Elem())
	return ptr
}

func fillValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(2)
	case reflect.Uint8:
		v.SetUint(7)
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fillValue(v.Field(i))
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillValue(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillValue(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k := reflect.New(v.Type().Key()).Elem()
		fillValue(k)
		e := reflect.New(v.Type().Elem()).Elem()
		fillValue(e)
		v.SetMapIndex(k, e)
	case reflect.Interface:
		v.Set(reflect.ValueOf([]any{"x", float64(1)}))
	default:
		panic("fill: unhandled kind " + v.Kind().String())
	}
}

// sharedMemory reports the first slice, map or pointer that a and b (equal
// values) share, by path.
func sharedMemory(a, b reflect.Value, path string) (string, bool) {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return "", false
		}
		if a.Pointer() == b.Pointer() {
			return path, true
		}
		return sharedMemory(a.Elem(), b.Elem(), "*"+path)
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path, true
		}
		for i := range a.Len() {
			if p, ok := sharedMemory(a.Index(i), b.Index(i), path+"[i]"); ok {
				return p, true
			}
		}
	case reflect.Map:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path, true
		}
		for _, k := range a.MapKeys() {
			if p, ok := sharedMemory(a.MapIndex(k), b.MapIndex(k), path+"[k]"); ok {
				return p, true
			}
		}
	case reflect.Interface:
		if !a.IsNil() {
			return sharedMemory(a.Elem(), b.Elem(), path)
		}
	case reflect.Struct:
		if a.Type() == timeType {
			return "", false // immutable; its *Location is shared by design
		}
		for i := range a.NumField() {
			if p, ok := sharedMemory(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); ok {
				return p, true
			}
		}
	}
	return "", false
}
