package org

// The id checks below implement the Organizations API patterns by hand:
// a snapshot of 10,000 accounts checks tens of thousands of ids, and these
// loops are an order of magnitude faster than regexp.

// IsAccountID reports whether s matches ^\d{12}$.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsRootID reports whether s matches ^r-[0-9a-z]{4,32}$.
func IsRootID(s string) bool {
	return len(s) > 2 && s[:2] == "r-" && lowerAlnum(s[2:], 4, 32)
}

// IsOUID reports whether s matches ^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$.
func IsOUID(s string) bool {
	if len(s) < 3 || s[:3] != "ou-" {
		return false
	}
	rest := s[3:]
	for i := 0; i < len(rest); i++ {
		if rest[i] == '-' {
			return lowerAlnum(rest[:i], 4, 32) && lowerAlnum(rest[i+1:], 8, 32)
		}
	}
	return false
}

// IsPolicyID reports whether s matches ^p-[0-9a-zA-Z_]{8,128}$. AWS managed
// policies such as p-FullAWSAccess match it too.
func IsPolicyID(s string) bool {
	if len(s) < 2+8 || len(s) > 2+128 || s[:2] != "p-" {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

// IsOrgID reports whether s matches ^o-[a-z0-9]{10,32}$.
func IsOrgID(s string) bool {
	return len(s) > 2 && s[:2] == "o-" && lowerAlnum(s[2:], 10, 32)
}

func lowerAlnum(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}
