package podstatus

import "fmt"

// ExitWords says an exit the way findings and verdicts do: "1 (Error)", or "1".
func ExitWords(code int32, reason string) string {
	if reason == "" {
		return fmt.Sprint(code)
	}
	return fmt.Sprintf("%d (%s)", code, reason)
}

// TimesWords says "once" or "4 times".
func TimesWords(n int32) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// Plural says "1 restart" or "4 restarts".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
