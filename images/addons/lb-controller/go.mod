module paddock.local/images/addons/lb-controller

go 1.26.8
