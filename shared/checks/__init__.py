"""The config check: every element, secret, signature and template, validated and reported."""
