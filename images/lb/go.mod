module paddock.dev/images/lb

go 1.26
