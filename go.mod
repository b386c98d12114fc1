module github.com/quorate/quorate

go 1.26.8

require github.com/ncw/directio v1.0.5
