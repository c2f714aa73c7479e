module github.com/pods-pattern/kubectl-pods-pattern

go 1.26
