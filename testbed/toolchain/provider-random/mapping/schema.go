package mapping

import "encoding/json"

// WithVersion returns the schema tfgen wrote with its top-level "version"
// set to the plugin version (tfgen leaves it out).
func WithVersion(schema []byte, version string) []byte {
	var top map[string]json.RawMessage
	if version == "" || json.Unmarshal(schema, &top) != nil {
		return schema
	}
	v, err := json.Marshal(version)
	if err != nil {
		return schema
	}
	top["version"] = v
	out, err := json.Marshal(top)
	if err != nil {
		return schema
	}
	return out
}
