// Package version holds build information stamped in with -ldflags -X.
package version

import "runtime"

// Set at build time: -X github.com/pods-pattern/kubectl-pods-pattern/pkg/version.Version=v0.1.0 ...
var (
	Version = "v0.0.0-dev"
	Commit  = "unknown"
	Date    = "unknown"
)

// Info is what `version` prints.
type Info struct {
	Version   string `json:"version"`
	GitCommit string `json:"gitCommit"`
	BuildDate string `json:"buildDate"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the build information of this binary.
func Get() Info {
	return Info{Version: Version, GitCommit: Commit, BuildDate: Date, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}
