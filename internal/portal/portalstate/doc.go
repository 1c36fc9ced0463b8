// Package portalstate holds the cluster portal's persisted records and the
// pure rules that change them: a sign-in in progress (LoginRequest), a
// signed-in user (Session, with its Profile) and a user's account settings
// (Settings, with the KubeRocketCI default_namespace rule).
//
// It is a leaf package that imports only the standard library, so that
// internal/store can name these types in its Portal interface while
// internal/portal, which imports store, keeps using them under their old
// names through type aliases. Methods belong to their type's package, so the
// rules on these records live here too; the portal's handlers call them.
package portalstate
