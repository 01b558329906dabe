// Package jenv is the procman plugin that runs Java as jenv
// would: in a project whose .java-version says 17,
//
//	procman run -- java -jar app.jar
//
// runs the JDK that jenv knows as 17, with no shell hook and no shim. The
// plugin reads jenv's files itself and never runs jenv. All it looks at
// comes from the config of the process: its working directory and its
// HOME, JENV_ROOT, JENV_VERSION and JENV_OPTIONS variables, never the
// plugin's own environment.
//
// # Which version
//
// The first of: JENV_VERSION; the nearest .java-version or .jenv-version,
// walking up from the working directory (the root directory excepted);
// $JENV_ROOT/version, global or default. JENV_ROOT defaults to
// $HOME/.jenv. A version is a name in $JENV_ROOT/versions, where jenv add
// makes links to JDK homes ("17", "17.0", "17.0.15", "openjdk64-17.0.15"),
// and must match exactly; a "java-" prefix is dropped, with a warning.
//
// # What the process gets
//
// JAVA_HOME=$JENV_ROOT/versions/NAME (the link, not the directory it
// points to), JDK_HOME too when that home has bin/javac, $JAVA_HOME/bin
// first in PATH, and JENV_VERSION=NAME: what jenv exec gives. When the
// command is the bare name java, the command a jenv shim stands for, the
// options of JENV_OPTIONS, or else of the nearest .java-options (else
// $JENV_ROOT/options), go before its arguments. A path to a java program,
// /usr/bin/java say, bypasses jenv's shims in a shell too: it gets the
// environment, not the options.
//
// When the version asked for is not installed, the plugin answers with
// jenv's error, "jenv: version '21' is not installed", which procman shows
// as a warning before it runs the command unchanged. When nothing asks for
// a version, or "system" is asked for, the plugin does not apply.
// "procman explain -- java -version" shows what it chose and why.
//
// # Installing
//
// procman runs this plugin inside its own process (see host.WithBuiltinPlugins):
// there is nothing to install. Built as an executable, it serves any host
// that finds plugins on PATH, and replaces procman's own copy where procman
// finds it, in PROCMAN_PLUGIN_PATH or PATH:
//
//	go build -o ~/.local/bin/procman-plugin-jenv github.com/procman-dev/procman/builtin-plugins/jenv/cmd/procman-plugin-jenv
//
// # As an example
//
// The plugin is short on purpose, to be read by authors of others:
// plugin.go implements sdk.Plugin, internal/resolve reads jenv's files, and
// cmd/procman-plugin-jenv is the whole of what a plugin binary needs
// besides.
package jenv
