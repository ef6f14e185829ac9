"""encryption"""
