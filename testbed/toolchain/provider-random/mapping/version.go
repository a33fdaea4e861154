package mapping

// Version is the plugin version, set at link time by build.sh with
// -ldflags "-X eqmd.local/pulumi/provider-random/mapping.Version=...".
var Version string
