// Package token assembles and signs the tokens Gatehouse issues, with the
// claim sets Microsoft Entra ID puts in v1.0 and v2.0 ID and access tokens
// (see docs: id-token-claims-reference, access-token-claims-reference).
//
// Assembly is a pipeline of pure steps, unit-tested without HTTP:
// base claims (v1 or v2) → optional claims → groups (with Entra's overage
// rule) → claims mapping → lifetime → sign. The admin centre and the doctor
// run the same pipeline without signing to show what a token would carry.
package token
