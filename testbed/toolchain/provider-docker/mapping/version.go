package mapping

// Version is the plugin version, set at link time by build.sh with
// -ldflags "-X eqmd.local/pulumi/provider-docker/mapping.Version=...".
var Version string
