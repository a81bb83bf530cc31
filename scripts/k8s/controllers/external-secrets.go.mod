// Throwaway module that builds the external-secrets controller (the root package of
// github.com/external-secrets/external-secrets; build-controllers.sh replaces @VERSION@).
// The release's own go.mod swaps sprig for the project's fork (it adds functions the
// templates use); replace directives of a dependency are ignored, so it is repeated here.
module throwaway

go 1.24.2

require github.com/external-secrets/external-secrets @VERSION@

replace github.com/Masterminds/sprig/v3 => github.com/external-secrets/sprig/v3 v3.3.0
