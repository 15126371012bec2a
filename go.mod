module github.com/gosmb/gosmb

go 1.26
