// Throwaway module that builds the Argo Rollouts controller (cmd/rollouts-controller of
// github.com/argoproj/argo-rollouts; build-controllers.sh replaces @VERSION@ and appends the
// release's own replace directives, its pins of k8s.io/* that a dependency cannot impose).
module throwaway

go 1.26.10

require github.com/argoproj/argo-rollouts @VERSION@
