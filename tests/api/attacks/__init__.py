"""The attack suite (issue 18): every probe of the attack run, as a test on both engines."""
