// Push package files to the server's built-in feed (`ferry package push`).
// Arguments and result: see ferryPush.txt. The logic shared by every step is in ferry.groovy.
def call(Map args = [:]) {
    ferry.required(args, ['packages'], 'ferryPush')
    List argv = ['package', 'push'] +
        ferry.flag(args, 'ifExists', '--if-exists') +
        files(ferry.asList(args.packages))
    return ferry.run(args, argv, 'ferryPush')
}

/**
 * Package paths with glob entries expanded by findFiles (Pipeline Utility Steps; Ant-style, so
 * `dist/**\/*.zip` recurses) relative to the current directory (a `dir` block's folder); plain
 * paths pass through. A glob that matches nothing fails the step.
 */
List files(List entries) {
    List out = []
    for (String entry in entries) {
        if (!(entry ==~ /.*[*?\[].*/)) {
            out << entry
            continue
        }
        List matches = findFiles(glob: entry).findAll { !it.directory }.collect { it.path.toString() }.sort()
        if (matches.isEmpty()) {
            error("ferryPush: no file matches '${entry}'")
        }
        out.addAll(matches)
    }
    return out
}
