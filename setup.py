"""Ships ``templates/`` and ``jobs/`` (beside the package, as the design card wants)
inside the wheel, each under a name of its own.

Everything else is in pyproject.toml; this file only maps the top-level folders to
importable packages: ``templates/`` to the data package ``rekruttering_templates`` and
``jobs/`` to ``rekruttering_jobs`` (a top-level ``jobs`` could clash with any other
installed distribution's). Folders that hold only data (templates, translations,
static files, migration scripts) are listed as namespace packages so setuptools ships
them without warning.
"""

from setuptools import find_namespace_packages, setup

EXCLUDE = ["*.__pycache__", "*.__pycache__.*"]

setup(
    packages=[
        *find_namespace_packages(include=["rekruttering", "rekruttering.*"], exclude=EXCLUDE),
        "rekruttering_jobs",
        *(
            f"rekruttering_jobs.{name}"
            for name in find_namespace_packages(where="jobs", exclude=EXCLUDE)
        ),
        "rekruttering_templates",
        *(
            f"rekruttering_templates.{name}"
            for name in find_namespace_packages(where="templates", exclude=EXCLUDE)
        ),
    ],
    package_dir={"rekruttering_templates": "templates", "rekruttering_jobs": "jobs"},
    package_data={
        "rekruttering_templates": ["**/*.html", "**/*.txt", "**/*.svg", "*.html"],
        "rekruttering": [
            "migrations/*.py",
            "migrations/*.mako",
            "migrations/*.ini",
            "migrations/versions/*.py",
            "**/translations/nb/LC_MESSAGES/*.mo",
            "**/translations/nb/LC_MESSAGES/*.po",
            "static/**/*",
            "auth/data/*.txt",
        ],
    },
)
