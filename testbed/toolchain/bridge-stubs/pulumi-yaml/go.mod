// Local stand-in: the module proxy reachable here serves no source of this
// module. The Terraform bridge links one program generator from it (and, for
// .NET, the schema's language-section types); we only generate the Pulumi
// schema, so program generation is reported as unsupported.
module github.com/pulumi/pulumi-yaml

go 1.25

require (
	github.com/hashicorp/hcl/v2 v2.24.0
	github.com/pulumi/pulumi/pkg/v3 v3.253.0
)
