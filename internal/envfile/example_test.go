package envfile_test

import (
	"fmt"
	"strings"

	"github.com/procman-dev/procman/internal/envfile"
)

func ExampleParse() {
	file := "# the database\nDB_HOST=localhost\nDB_OPTS=sslmode=disable\n"
	vars, err := envfile.Parse(strings.NewReader(file), "db.env")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range vars {
		fmt.Printf("%s is %q\n", v.Key, v.Value)
	}

	_, err = envfile.Parse(strings.NewReader("DB_HOST=localhost\nexport DB_PORT=5432\n"), "db.env")
	fmt.Println(err)
	// Output:
	// DB_HOST is "localhost"
	// DB_OPTS is "sslmode=disable"
	// db.env:2: key "export DB_PORT" contains white space
}
