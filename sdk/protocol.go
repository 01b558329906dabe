package sdk

// ProtocolVersion is the version of the wire protocol this package speaks.
// A host lists every version it can speak; the plugin picks the highest
// one both know.
const ProtocolVersion = 1

// MinProtocolVersion is the oldest version of the wire protocol a host of
// this release speaks. The policy: a host speaks the current version and
// the one before it, so that plugins built with the previous SDK keep
// working for a release; a plugin of an older version must be rebuilt,
// and one of a newer version needs a newer procman.
const MinProtocolVersion = max(1, ProtocolVersion-1)
