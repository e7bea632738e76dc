"""Functional tests of the trust services (roles kms, pki, tsa) on their own container."""
