// Throwaway module that builds prometheus-operator's cmd/operator (build-controllers.sh
// replaces @VERSION@). The root module and its two API submodules must be the same release:
// the root module's go.mod pins them through replace directives that a dependency's
// go.mod cannot carry over, so they are required here explicitly.
module throwaway

go 1.25.0

require (
	github.com/prometheus-operator/prometheus-operator @VERSION@
	github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring @VERSION@
	github.com/prometheus-operator/prometheus-operator/pkg/client @VERSION@
)
