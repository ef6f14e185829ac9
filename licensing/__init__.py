"""licensing"""
