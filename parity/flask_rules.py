"""npm run parity's Flask side: loads a Flask app as `flask --app` does and prints its URL rules as JSON.

python3 flask_rules.py --app SPEC [--path DIR]...

SPEC is what Flask's CLI takes: `module`, `module:name`, `module:factory()`, `module:factory(args)`, or a file
`app.py`; a module alone is searched for `app`, `application`, `create_app()` or `make_app()`. Each --path is put first
on Python's path. What cannot be done (no Flask, an app that does not import, a factory that needs arguments) is one
line on stderr and exit status 2, never a traceback.
"""
import argparse
import contextlib
import json
import os
import re
import sys
import traceback

# Werkzeug's own pattern for a variable in a rule: <converter(arguments):name>.
VARIABLE = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<arguments>.*?)\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)


def refuse(message):
    print(message, file=sys.stderr)
    sys.exit(2)


# A frame of a traceback as Python prints it.
FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def place(file, line):
    """` (file, line N)`, the file relative to the folder the helper runs in when it is there."""
    return f" ({os.path.relpath(file) if os.path.abspath(file).startswith(os.getcwd()) else file}, line {line})"


def where(error):
    """The innermost frame of `error`'s traceback, as ` (file, line N)`."""
    frames = traceback.extract_tb(error.__traceback__)
    return place(frames[-1].filename, frames[-1].lineno) if frames else ""


def no_app(error):
    """Flask's reason for not finding an app, in one line: an import's traceback, which Flask puts in its message,
    as the error it ended with and where."""
    lines = [line for line in str(error).splitlines() if line.strip() != ""]
    if len(lines) == 1:
        return lines[0]
    frames = FRAME.findall(str(error))
    return lines[-1].strip() + (place(*frames[-1]) if frames else "")


def load(spec):
    try:
        from flask.cli import NoAppException, ScriptInfo
    except ImportError:
        refuse(f"{sys.executable} cannot import Flask: install it (Debian: apt-get install python3-flask), "
               "or name a Python that can with PYTHON")
    # Whatever the app prints as it loads goes to stderr: stdout carries the JSON alone.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            return ScriptInfo(app_import_path=spec, set_debug_flag=False).load_app()
        except NoAppException as error:
            refuse(f"Cannot load the Flask app {spec!r}: {no_app(error)}")
        except Exception as error:
            refuse(f"Cannot load the Flask app {spec!r}: {type(error).__name__}: {error}{where(error)}")


def variables(rule, converters):
    """Each variable of `rule` with its converter's name, arguments and pattern."""
    from werkzeug.routing import parse_converter_args

    found = []
    for match in VARIABLE.finditer(rule.rule):
        name = match.group("name")
        args, kwargs = parse_converter_args(match.group("arguments") or "")
        converter = rule._converters[name]
        found.append({
            "name": name,
            "converter": match.group("converter") or "default",
            "builtin": converters.get(match.group("converter") or "default") is type(converter),
            "args": list(args),
            "kwargs": kwargs,
            "regex": converter.regex,
        })
    return found


def describe(app):
    from werkzeug.routing import Map

    builtin = Map.default_converters
    rules = []
    for rule in app.url_map.iter_rules():
        rules.append({
            "rule": rule.rule,
            "methods": sorted(rule.methods or []),
            "endpoint": rule.endpoint,
            # Flask adds OPTIONS to every rule unless the view says otherwise; HEAD comes with GET from Werkzeug.
            "automaticOptions": bool(getattr(rule, "provide_automatic_options", False)),
            "strictSlashes": bool(rule.strict_slashes),
            "redirectTo": rule.redirect_to if isinstance(rule.redirect_to, str) else None,
            "static": rule.endpoint == "static" or rule.endpoint.endswith(".static"),
            # A rule for one subdomain, or one host (host_matching): more than a path.
            "subdomain": rule.subdomain or None,
            "host": rule.host or None,
            "arguments": variables(rule, builtin),
        })
    return {"rules": rules}


def main():
    parser = argparse.ArgumentParser(description="Prints a Flask app's URL rules as JSON.")
    parser.add_argument("--app", required=True)
    parser.add_argument("--path", action="append", default=[])
    options = parser.parse_args()
    for folder in reversed(options.path):
        sys.path.insert(0, folder)
    app = load(options.app)
    json.dump(describe(app), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
