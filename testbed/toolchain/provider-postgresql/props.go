package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

var unmarshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}
var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, unmarshalOpts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshalOpts)
}

func unsecret(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

func plain(v resource.PropertyValue) resource.PropertyValue {
	v = unsecret(v)
	switch {
	case v.IsArray():
		a := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			a[i] = plain(e)
		}
		return resource.NewArrayProperty(a)
	case v.IsObject():
		return resource.NewObjectProperty(plainMap(v.ObjectValue()))
	}
	return v
}

func plainMap(m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		out[k] = plain(v)
	}
	return out
}

// kind is the type of one schema property.
type kind int

const (
	kString kind = iota
	kBool
	kInt
	kStringList // ordered
	kStringSet  // unordered, compared sorted
)

// propSpec describes one property of a resource as upstream declares it.
type propSpec struct {
	name     string
	kind     kind
	def      any  // default applied by Check (TF Default); nil for none
	computed bool // Optional+Computed upstream: absent input means "whatever the server has"
	forceNew bool
	secret   bool
	// notImplemented: setting it fails Check with this message.
	notImplemented string
}

type resourceSpec struct {
	token string
	props []propSpec
}

func (r *resourceSpec) prop(name string) *propSpec {
	for i := range r.props {
		if r.props[i].name == name {
			return &r.props[i]
		}
	}
	return nil
}

func typeName(k kind) string {
	switch k {
	case kBool:
		return "a boolean"
	case kInt:
		return "an integer"
	case kStringList, kStringSet:
		return "a list of strings"
	}
	return "a string"
}

// checkValue validates a (secret-stripped) known value against its kind.
func checkValue(k kind, v resource.PropertyValue) bool {
	if v.IsComputed() || v.IsOutput() {
		return true
	}
	switch k {
	case kString:
		return v.IsString()
	case kBool:
		return v.IsBool()
	case kInt:
		return v.IsNumber() && v.NumberValue() == float64(int64(v.NumberValue()))
	case kStringList, kStringSet:
		if !v.IsArray() {
			return false
		}
		for _, e := range v.ArrayValue() {
			e = unsecret(e)
			if !e.IsComputed() && !e.IsString() {
				return false
			}
		}
		return true
	}
	return false
}

func defaultValue(d any) resource.PropertyValue {
	switch t := d.(type) {
	case string:
		return resource.NewStringProperty(t)
	case bool:
		return resource.NewBoolProperty(t)
	case int:
		return resource.NewNumberProperty(float64(t))
	}
	panic(fmt.Sprintf("bad default %v", d))
}

// check validates inputs, applies the upstream defaults and marks secret properties secret.
func (r *resourceSpec) check(news resource.PropertyMap) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	out := resource.PropertyMap{}
	var fs []*pulumirpc.CheckFailure
	for k, v := range news {
		key := string(k)
		if strings.HasPrefix(key, "__") {
			continue
		}
		p := r.prop(key)
		if p == nil {
			fs = append(fs, &pulumirpc.CheckFailure{Property: key,
				Reason: fmt.Sprintf("%s is not a property of %s implemented by this provider", key, r.token)})
			continue
		}
		if p.notImplemented != "" {
			fs = append(fs, &pulumirpc.CheckFailure{Property: key, Reason: p.notImplemented})
			continue
		}
		if !checkValue(p.kind, unsecret(v)) {
			fs = append(fs, &pulumirpc.CheckFailure{Property: key, Reason: fmt.Sprintf("%s must be %s", key, typeName(p.kind))})
			continue
		}
		if p.secret && !v.IsSecret() && !v.IsComputed() {
			v = resource.MakeSecret(v)
		}
		out[k] = v
	}
	for _, p := range r.props {
		if _, ok := out[resource.PropertyKey(p.name)]; !ok && p.def != nil {
			out[resource.PropertyKey(p.name)] = defaultValue(p.def)
		}
	}
	return out, fs
}

// normalized returns a comparable form of a value of kind k (sets sorted).
func normalized(k kind, v resource.PropertyValue) resource.PropertyValue {
	v = plain(v)
	if k == kStringSet && v.IsArray() {
		ss := []string{}
		for _, e := range v.ArrayValue() {
			if e.IsString() {
				ss = append(ss, e.StringValue())
			}
		}
		sort.Strings(ss)
		a := make([]resource.PropertyValue, len(ss))
		for i, s := range ss {
			a[i] = resource.NewStringProperty(s)
		}
		return resource.NewArrayProperty(a)
	}
	return v
}

// isZero: null, "", 0, false, or an empty list: the values an absent TF attribute has.
func isZero(v resource.PropertyValue) bool {
	v = plain(v)
	switch {
	case v.IsNull():
		return true
	case v.IsString():
		return v.StringValue() == ""
	case v.IsBool():
		return !v.BoolValue()
	case v.IsNumber():
		return v.NumberValue() == 0
	case v.IsArray():
		return len(v.ArrayValue()) == 0
	}
	return false
}

// diff compares checked new inputs with the old state, the way a Terraform plan does:
// an absent Optional+Computed input keeps whatever the state has.
func (r *resourceSpec) diff(state, news resource.PropertyMap, ignore []string) *pulumirpc.DiffResponse {
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true,
		DetailedDiff: map[string]*pulumirpc.PropertyDiff{}}
	for _, p := range r.props {
		if contains(ignore, p.name) {
			continue
		}
		key := resource.PropertyKey(p.name)
		nv, hasNew := news[key]
		ov, hasOld := state[key]
		var kind pulumirpc.PropertyDiff_Kind
		switch {
		case !hasNew && p.computed:
			continue
		case !hasNew:
			if !hasOld || isZero(ov) {
				continue
			}
			kind = pulumirpc.PropertyDiff_DELETE
		case unsecret(nv).IsComputed():
			kind = pulumirpc.PropertyDiff_UPDATE
			if !hasOld {
				kind = pulumirpc.PropertyDiff_ADD
			}
		case !hasOld:
			if isZero(nv) && !p.computed {
				continue
			}
			kind = pulumirpc.PropertyDiff_ADD
		default:
			if normalized(p.kind, ov).DeepEquals(normalized(p.kind, nv)) {
				continue
			}
			kind = pulumirpc.PropertyDiff_UPDATE
		}
		if p.forceNew {
			switch kind {
			case pulumirpc.PropertyDiff_ADD:
				kind = pulumirpc.PropertyDiff_ADD_REPLACE
			case pulumirpc.PropertyDiff_DELETE:
				kind = pulumirpc.PropertyDiff_DELETE_REPLACE
			default:
				kind = pulumirpc.PropertyDiff_UPDATE_REPLACE
			}
			resp.Replaces = append(resp.Replaces, p.name)
		}
		resp.Diffs = append(resp.Diffs, p.name)
		resp.DetailedDiff[p.name] = &pulumirpc.PropertyDiff{Kind: kind} // against the state
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return resp
}

// getters over checked inputs or state (secrets stripped).

func getString(m resource.PropertyMap, k string) string {
	v := plain(m[resource.PropertyKey(k)])
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func hasString(m resource.PropertyMap, k string) bool {
	v := plain(m[resource.PropertyKey(k)])
	return v.IsString()
}

func getBool(m resource.PropertyMap, k string) bool {
	v := plain(m[resource.PropertyKey(k)])
	return v.IsBool() && v.BoolValue()
}

func getInt(m resource.PropertyMap, k string) int {
	v := plain(m[resource.PropertyKey(k)])
	if v.IsNumber() {
		return int(v.NumberValue())
	}
	return 0
}

func getStrings(m resource.PropertyMap, k string) []string {
	v := plain(m[resource.PropertyKey(k)])
	var out []string
	if v.IsArray() {
		for _, e := range v.ArrayValue() {
			if e.IsString() {
				out = append(out, e.StringValue())
			}
		}
	}
	return out
}

func stringsProp(ss []string) resource.PropertyValue {
	a := make([]resource.PropertyValue, len(ss))
	for i, s := range ss {
		a[i] = resource.NewStringProperty(s)
	}
	return resource.NewArrayProperty(a)
}

// changed reports whether property k differs between the old state and the new inputs.
func changed(olds, news resource.PropertyMap, r *resourceSpec, k string) bool {
	p := r.prop(k)
	ov, hasOld := olds[resource.PropertyKey(k)]
	nv, hasNew := news[resource.PropertyKey(k)]
	if !hasNew {
		if p != nil && p.computed {
			return false
		}
		return hasOld && !isZero(ov)
	}
	if !hasOld {
		return !isZero(nv)
	}
	kd := kString
	if p != nil {
		kd = p.kind
	}
	return !normalized(kd, ov).DeepEquals(normalized(kd, nv))
}
