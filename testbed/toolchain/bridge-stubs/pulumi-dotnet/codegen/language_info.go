package codegen

// The .NET language sections of a Pulumi schema, as the bridge fills them.

// CSharpPackageInfo is the package-level "language.csharp" section.
type CSharpPackageInfo struct {
	PackageReferences            map[string]string `json:"packageReferences,omitempty"`
	Namespaces                   map[string]string `json:"namespaces,omitempty"`
	Compatibility                string            `json:"compatibility,omitempty"`
	DictionaryConstructors       bool              `json:"dictionaryConstructors,omitempty"`
	ProjectReferences            []string          `json:"projectReferences,omitempty"`
	RootNamespace                string            `json:"rootNamespace,omitempty"`
	LiftSingleValueMethodReturns bool              `json:"liftSingleValueMethodReturns,omitempty"`
	RespectSchemaVersion         bool              `json:"respectSchemaVersion,omitempty"`
}

// CSharpPropertyInfo is a property's "language.csharp" section.
type CSharpPropertyInfo struct {
	Name string `json:"name,omitempty"`
}

// CSharpResourceInfo is a resource's "language.csharp" section.
type CSharpResourceInfo struct {
	Name string `json:"name,omitempty"`
}
